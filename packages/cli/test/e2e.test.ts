/**
 * End to end, with the real Claude Code CLI from npm (2.1.x and 1.0.30) run offline against
 * the loopback Messages API stand-in, through the built `cc-session` in temp homes.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
// @ts-expect-error plain JS tools
import { claudeEnv, startStandin } from "../../../tools/anthropic-standin.mjs"
// @ts-expect-error plain JS tools
import { claude1, claude2, claudeLatest } from "../../../tools/claude-bins.mjs"
// @ts-expect-error plain JS tools
import { runProcess } from "../../../tools/spawn.mjs"

const cliPath = resolve(import.meta.dirname, "../dist/cli.js")
let standin: { url: string; close: () => Promise<void> }
let base: string

beforeAll(async () => {
  standin = await startStandin()
  base = mkdtempSync(join(tmpdir(), "cc-e2e-"))
})
afterAll(async () => {
  await standin.close()
  rmSync(base, { recursive: true, force: true })
})

interface World {
  readonly home: string
  readonly store: string
  readonly bin: string
  readonly dir: (name: string) => string
  readonly cli: (
    args: ReadonlyArray<string>,
    cwd?: string
  ) => Promise<{ stdout: string; stderr: string; code: number | null }>
  readonly json: <T = Record<string, unknown>>(args: ReadonlyArray<string>, cwd?: string) => Promise<T>
}

let worlds = 0
type Generation = "2.1" | "2.1-latest" | "1.0"
const world = (generation: Generation): World => {
  const root = join(base, `w${++worlds}`)
  const home = join(root, "home")
  const store = join(root, "store")
  mkdirSync(home, { recursive: true })
  const bin = (generation === "2.1" ? claude2() : generation === "2.1-latest" ? claudeLatest() : claude1()) as string
  const dir = (name: string) => {
    const p = join(root, name)
    mkdirSync(p, { recursive: true })
    return p
  }
  const cli: World["cli"] = (args, cwd = root) =>
    runProcess(process.execPath, [cliPath, "--store", store, "--claude-bin", bin, ...args], {
      cwd,
      env: claudeEnv(standin.url, home)
    })
  const json = async <T>(args: ReadonlyArray<string>, cwd?: string): Promise<T> => {
    const r = await cli(["--json", ...args], cwd)
    if (r.code !== 0) throw new Error(`cc-session ${args.join(" ")} exited ${r.code}: ${r.stderr}`)
    return JSON.parse(r.stdout) as T
  }
  return { home, store, bin, dir, cli, json }
}

type Show = {
  id: string
  cwd: string
  status: string
  claudeSessionIds: Array<string>
  latestClaudeSessionId: string
  forks: Array<{ from: string; to: string }>
  transcripts: Array<string>
}

const waitFinished = async (w: World, id: string): Promise<Show> => {
  for (let i = 0; i < 200; i++) {
    const s = await w.json<Show>(["show", id])
    if (s.status === "finished" || s.status === "failed") return s
    await new Promise((r) => setTimeout(r, 100))
  }
  throw new Error(`${id} did not finish`)
}

// the pinned 2.1.197, and the newest 2.1.x (pinned too: the CLI moves weekly)
describe.each([
  ["2.1.197", "2.1"],
  ["2.1.332", "2.1-latest"]
] as const)("%s (real CLI)", (_version, generation) => {
  it("detached run: the parent returns at once, then show finds the session", async () => {
    const w = world(generation)
    const proj = w.dir("proj")
    const started = Date.now()
    const launched = await w.json<{ id: string; claudeSessionId: string; pid: number; log: string }>(
      ["run", "--detached", "--", "detached hello"],
      proj
    )
    expect(Date.now() - started).toBeLessThan(15_000)
    expect(launched.id).toMatch(/^cc-session-/)
    const shown = await waitFinished(w, launched.id)
    expect(shown).toMatchObject({ status: "finished", cwd: proj, claudeSessionIds: [launched.claudeSessionId] })
    expect(shown.transcripts).toHaveLength(1)
    expect(existsSync(launched.log.replace(/\.log$/, ".session.json"))).toBe(true)
  })

  it("resume keeps the Claude id, also when started from another directory", async () => {
    const w = world(generation)
    const proj = w.dir("proj")
    const { id, claudeSessionId } = await w.json<{ id: string; claudeSessionId: string }>(["run", "--", "first"], proj)
    const elsewhere = w.dir("elsewhere")
    const resumed = await w.json<{ id: string; claudeSessionId: string }>(["resume", id, "--", "again"], elsewhere)
    expect(resumed).toMatchObject({ id, claudeSessionId })
    const shown = await w.json<Show>(["show", claudeSessionId.slice(0, 8)])
    expect(shown).toMatchObject({ id, claudeSessionIds: [claudeSessionId], status: "finished" })
  })

  it("fork makes a new stable id; the parent lists the fork", async () => {
    const w = world(generation)
    const proj = w.dir("proj")
    const parent = await w.json<{ id: string; claudeSessionId: string }>(["run", "--", "to fork"], proj)
    const fork = await w.json<{ id: string; claudeSessionId: string }>(["fork", parent.id, "--", "forked"])
    expect(fork.id).not.toBe(parent.id)
    expect(fork.claudeSessionId).not.toBe(parent.claudeSessionId)
    expect((await w.json<Show>(["show", parent.id])).forks).toEqual([
      { from: parent.claudeSessionId, to: fork.claudeSessionId }
    ])
    const shownFork = await w.json<Show & { forkedFrom: unknown }>(["show", fork.id])
    expect(shownFork.claudeSessionIds).toEqual([fork.claudeSessionId])
    // the fork names its parent, in show, resolve and ls
    const parentRef = { claudeSessionId: parent.claudeSessionId, stableId: parent.id }
    expect(shownFork.forkedFrom).toEqual(parentRef)
    expect((await w.json<{ forkedFrom: unknown }>(["resolve", fork.claudeSessionId])).forkedFrom).toEqual(parentRef)
    expect(
      (await w.json<Array<{ id: string; forkedFrom: unknown }>>(["ls"])).find((s) => s.id === fork.id)?.forkedFrom
    ).toEqual(parentRef)
    const all = await w.json<Array<{ id: string; forkedFrom: unknown; claudeSessionIds: Array<string> }>>([
      "ls",
      "--all"
    ])
    expect(all.find((r) => r.id === fork.id)?.forkedFrom).toEqual(parentRef)
    expect(all.find((r) => r.id === parent.id)?.forkedFrom).toBeNull()
    // found from the transcripts alone too: a fresh store knows nothing of the fork
    const fresh = await runProcess(
      process.execPath,
      [cliPath, "--store", join(w.dir("fresh-store"), "s"), "--json", "resolve", fork.claudeSessionId],
      { env: claudeEnv(standin.url, w.home) }
    )
    expect(JSON.parse(fresh.stdout).forkedFrom).toEqual({ claudeSessionId: parent.claudeSessionId, stableId: null })
  })

  it("continue resumes the most recent session of the directory", async () => {
    const w = world(generation)
    const proj = w.dir("proj")
    await w.json(["run", "--", "older"], proj)
    const newer = await w.json<{ id: string; claudeSessionId: string }>(["run", "--", "newer"], proj)
    const continued = await w.json<{ id: string; claudeSessionId: string }>(["continue", "--cwd", proj, "--", "go on"])
    expect(continued).toMatchObject({ id: newer.id, claudeSessionId: newer.claudeSessionId })
  })

  it("a token resolves with an empty store, from transcripts alone", async () => {
    const w = world(generation)
    const proj = w.dir("proj")
    const { id, claudeSessionId } = await w.json<{ id: string; claudeSessionId: string }>(
      ["run", "--", "tokenised"],
      proj
    )
    const { token } = await w.json<{ token: string }>(["token", id])
    const empty = join(w.dir("empty-store"), "s")
    const r = await w.cli(["--json", "--store", empty, "resolve", token])
    expect(r.code).toBe(0)
    expect(JSON.parse(r.stdout)).toMatchObject({ claudeSessionIds: [claudeSessionId], resolvedBy: "token" })
  })

  it("8 detached runs at once in one cwd: each resolves to its own Claude id", async () => {
    const w = world(generation)
    const proj = w.dir("proj")
    const launched = await Promise.all(
      Array.from({ length: 8 }, (_, i) => w.json<{ id: string }>(["run", "--detached", "--", `parallel ${i}`], proj))
    )
    const shown = await Promise.all(launched.map((l) => waitFinished(w, l.id)))
    const ids = shown.map((s) => s.latestClaudeSessionId)
    expect(new Set(ids).size).toBe(8)
    for (const s of shown) expect(s.claudeSessionIds).toHaveLength(1)
  })

  it("a removed session directory is a clear error, and --in DIR resumes it there", async () => {
    const w = world(generation)
    const wt = w.dir("repo--claude-worktrees-feature")
    const { id, claudeSessionId } = await w.json<{ id: string; claudeSessionId: string }>(
      ["run", "--", "in a worktree"],
      wt
    )
    rmSync(wt, { recursive: true, force: true })
    const failed = await w.cli(["resume", id, "--", "lost?"])
    expect(failed.code).toBe(1)
    expect(failed.stderr).toContain("no longer exists")
    const repo = w.dir("repo")
    const resumed = await w.json<{ id: string; claudeSessionId: string }>([
      "resume",
      id,
      "--in",
      repo,
      "--",
      "found again"
    ])
    expect(resumed).toMatchObject({ id, claudeSessionId })
  })

  it("a run whose result says is_error is a failure, whatever the exit code", async () => {
    const w = world(generation)
    const proj = w.dir("proj")
    const { id } = await w.json<{ id: string; claudeSessionId: string }>(["run", "--", "soon gone"], proj)
    rmSync(join(w.home, "projects"), { recursive: true, force: true })
    const r = await w.cli(["--json", "resume", id, "--", "where is it"])
    expect(r.code).toBe(1)
    expect(JSON.parse(r.stderr.trim().split("\n").at(-1) as string).error.code).toBe("run_failed")
    expect((await w.json<Show>(["show", id])).status).toBe("failed")
  })
})

describe("watching and killing", () => {
  it("watch prints a detached session's events live until its run finishes", async () => {
    const w = world("2.1")
    const proj = w.dir("proj")
    const { id } = await w.json<{ id: string }>(["run", "--detached", "--", "watched"], proj)
    const r = await w.cli(["watch", id])
    expect(r.code).toBe(0)
    const types = r.stdout
      .trim()
      .split("\n")
      .map((line) => (JSON.parse(line) as { type: string }).type)
    expect(types[0]).toBe("session.opened")
    expect(types).toContain("claude.observed")
    expect(types.at(-1)).toBe("run.finished")
  })

  it("a supervisor killed with SIGKILL loses nothing observed, and the session is still found", async () => {
    const w = world("1.0")
    const proj = w.dir("legacy")
    const { id, pid } = await w.json<{ id: string; pid: number }>(
      ["run", "--detached", "--", "killed supervisor"],
      proj
    )
    // kill it once it has started claude (run.started is in the log), before claude is done
    for (let i = 0; i < 100; i++) {
      const events = (await w.cli(["events"])).stdout
      if (events.includes('"run.started"')) break
      await new Promise((r) => setTimeout(r, 20))
    }
    process.kill(pid, "SIGKILL")
    let shown: Show | undefined
    for (let i = 0; i < 100 && (shown === undefined || shown.claudeSessionIds.length === 0); i++) {
      await new Promise((r) => setTimeout(r, 100))
      const r = await w.cli(["--json", "show", id])
      if (r.code === 0) shown = JSON.parse(r.stdout) as Show
    }
    expect(shown?.claudeSessionIds).toHaveLength(1)
    const events = (await w.cli(["events"])).stdout
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as { type: string; session: string })
    expect(
      events
        .filter((e) => e.session === id)
        .map((e) => e.type)
        .slice(0, 2)
    ).toEqual(["session.opened", "run.started"])
  })

  it("after a supervisor's death the status comes from the log's result, and watch ends on it", async () => {
    const w = world("2.1")
    const proj = w.dir("proj")
    const { id, pid } = await w.json<{ id: string; pid: number }>(["run", "--detached", "--", "orphaned run"], proj)
    for (let i = 0; i < 100; i++) {
      if ((await w.cli(["events"])).stdout.includes('"run.started"')) break
      await new Promise((r) => setTimeout(r, 20))
    }
    process.kill(pid, "SIGKILL")
    // claude outlives its supervisor and writes its result line; nobody writes run.finished
    const watched = await w.cli(["watch", id])
    expect(watched.code).toBe(0)
    expect(watched.stdout.trim().split("\n").at(-1)).toContain('"run.finished"')
    const shown = await w.json<Show>(["show", id])
    expect(shown.status).toBe("finished")
    expect((await w.json<{ status: string }>(["resolve", id])).status).toBe("finished")
  })

  it("a run whose claude is killed too, before any result, is lost, with the reason", async () => {
    const w = world("2.1")
    const proj = w.dir("proj")
    const slow = await startStandin({ delayMs: 4000 })
    try {
      const env = claudeEnv(slow.url, w.home)
      const cli = (args: Array<string>) =>
        runProcess(process.execPath, [cliPath, "--store", w.store, "--claude-bin", w.bin, "--json", ...args], {
          cwd: proj,
          env
        })
      const { id, pid } = JSON.parse((await cli(["run", "--detached", "--", "never answered"])).stdout) as {
        id: string
        pid: number
      }
      let claudePid: number | undefined
      for (let i = 0; i < 200 && claudePid === undefined; i++) {
        const started = (await cli(["events"])).stdout.split("\n").find((l: string) => l.includes('"run.started"'))
        claudePid =
          started === undefined ? undefined : (JSON.parse(started) as { payload: { pid: number } }).payload.pid
        if (claudePid === undefined) await new Promise((r) => setTimeout(r, 20))
      }
      process.kill(pid, "SIGKILL")
      process.kill(claudePid as number, "SIGKILL")
      await new Promise((r) => setTimeout(r, 200))
      const shown = JSON.parse((await cli(["show", id])).stdout) as Show
      expect(shown.status).toBe("lost")
      const finished = (await cli(["events"])).stdout.split("\n").find((l: string) => l.includes('"run.finished"'))
      expect(JSON.parse(finished as string).payload.lost).toMatch(/are gone, and its log .* has no result line/)
    } finally {
      await slow.close()
    }
  })

  it("no prompt text in any command line: the spec reaches the supervisor on a pipe, the prompt reaches claude on stdin", async () => {
    for (const generation of ["2.1", "1.0"] as const) {
      const w = world(generation)
      const proj = w.dir("proj")
      const slow = await startStandin({ delayMs: 1500 })
      try {
        const prompt = `secret-prompt-${generation}-${Date.now()}`
        const r = await runProcess(
          process.execPath,
          [cliPath, "--store", w.store, "--claude-bin", w.bin, "--json", "run", "--detached", "--", prompt],
          { cwd: proj, env: claudeEnv(slow.url, w.home) }
        )
        const { id } = JSON.parse(r.stdout) as { id: string }
        // while the run waits for its answer, read every process's command line
        let seen = 0
        for (let i = 0; i < 10; i++) {
          for (const entry of readdirSync("/proc")) {
            if (!/^\d+$/.test(entry)) continue
            let cmdline = ""
            try {
              cmdline = readFileSync(join("/proc", entry, "cmdline"), "utf8")
            } catch {
              continue
            }
            if (cmdline.includes("supervisor.js") || cmdline.includes(w.bin)) seen++
            expect(cmdline).not.toContain(prompt)
          }
          await new Promise((res) => setTimeout(res, 100))
        }
        expect(seen).toBeGreaterThan(0)
        const done = await runProcess(process.execPath, [cliPath, "--store", w.store, "--json", "watch", id], {
          cwd: proj,
          env: claudeEnv(slow.url, w.home)
        })
        expect(done.code).toBe(0)
        // and claude got it: its transcript starts with the prompt
        const shown = JSON.parse(
          (
            await runProcess(process.execPath, [cliPath, "--store", w.store, "--json", "show", id], {
              cwd: proj,
              env: claudeEnv(slow.url, w.home)
            })
          ).stdout
        ) as Show
        expect(shown.status).toBe("finished")
        expect(readFileSync(shown.transcripts[0] as string, "utf8")).toContain(prompt)
      } finally {
        await slow.close()
      }
    }
  })
})

describe("1.0.30 (real CLI)", () => {
  it("each resume gets a new Claude id, chained in order, also resumed from another directory", async () => {
    const w = world("1.0")
    const proj = w.dir("legacy")
    const first = await w.json<{ id: string; claudeSessionId: string }>(["run", "--", "old first"], proj)
    const second = await w.json<{ id: string; claudeSessionId: string }>(
      ["resume", first.id, "--", "old second"],
      w.dir("elsewhere")
    )
    const third = await w.json<{ id: string; claudeSessionId: string }>([
      "resume",
      first.claudeSessionId,
      "--",
      "old third"
    ])
    expect(new Set([first.claudeSessionId, second.claudeSessionId, third.claudeSessionId]).size).toBe(3)
    expect(second.id).toBe(first.id)
    expect(third.id).toBe(first.id)
    const shown = await w.json<Show>(["show", first.id])
    expect(shown.claudeSessionIds).toEqual([first.claudeSessionId, second.claudeSessionId, third.claudeSessionId])
    expect(shown.transcripts).toHaveLength(3)
  })

  it("detached runs without --session-id are discovered from their stream: 8 at once, each its own id", async () => {
    const w = world("1.0")
    const proj = w.dir("legacy")
    // Claude 1.0.30 rewrites its own ~/.claude.json at start without a lock: started side by side
    // it can read it half-written and stop with "Configuration Error" before its first line.
    // One run first creates that file, as on any machine that has used Claude before.
    const warmUp = await w.json<{ id: string }>(["run", "--detached", "--", "old warm-up"], proj)
    expect((await waitFinished(w, warmUp.id)).claudeSessionIds).toHaveLength(1)
    const launched = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        w.json<{ id: string; claudeSessionId?: string; log: string }>(
          ["run", "--detached", "--", `old parallel ${i}`],
          proj
        )
      )
    )
    for (const l of launched) expect(l.claudeSessionId).toBeUndefined()
    const shown = await Promise.all(launched.map((l) => waitFinished(w, l.id)))
    const seen = shown.map((s, i) => ({
      id: s.id,
      status: s.status,
      claude: s.claudeSessionIds,
      log: s.claudeSessionIds.length > 0 ? "" : readFileSync(launched[i]?.log ?? "", "utf8").slice(0, 600)
    }))
    const report = JSON.stringify(seen, null, 1)
    // each run has its own id from its own stream; one that Claude itself stopped before its
    // first line is reported failed, with Claude's words in its log, and is given nobody's id
    for (const s of seen) {
      if (s.claude.length === 1) expect(s.status, report).toBe("finished")
      else
        expect([s.status, s.claude.length, s.log.includes("Configuration Error")], report).toEqual(["failed", 0, true])
    }
    const ids = seen.flatMap((s) => s.claude)
    expect(new Set(ids).size, report).toBe(ids.length)
    expect(ids.length, report).toBeGreaterThanOrEqual(6)
  })

  it("a fresh store recovers the whole chain from the transcripts", async () => {
    const w = world("1.0")
    const proj = w.dir("legacy")
    const first = await w.json<{ id: string; claudeSessionId: string }>(["run", "--", "chain a"], proj)
    const second = await w.json<{ claudeSessionId: string }>(["resume", first.id, "--", "chain b"])
    const other = join(w.dir("other-store"), "s")
    const r = await w.cli(["--json", "--store", other, "recover", "--adopt"])
    expect(r.code).toBe(0)
    const recovered = JSON.parse(r.stdout) as Array<{ id: string; claudeSessionIds: Array<string> }>
    expect(recovered).toHaveLength(1)
    expect(recovered[0]?.claudeSessionIds).toEqual([first.claudeSessionId, second.claudeSessionId])
  })
})

describe("a session from a container, resumed on the host (--map)", () => {
  it("is listed under the host path and resumed there, continuing the same conversation (2.1.332)", async () => {
    const w = world("2.1-latest")
    const container = w.dir("workspace")
    const host = w.dir("checkout")
    const { claudeSessionId } = await w.json<{ claudeSessionId: string }>(
      ["run", "--", "made in the container"],
      container
    )
    const map = ["--map", `${container}=${host}`]
    const rows = await w.json<Array<{ cwd: string; recordedCwd?: string; latestClaudeSessionId: string }>>([
      ...map,
      "ls",
      "--all"
    ])
    expect(rows).toMatchObject([{ cwd: host, recordedCwd: container, latestClaudeSessionId: claudeSessionId }])
    const resumed = await w.cli([...map, "resume", claudeSessionId, "--", "continued on the host"], host)
    expect(resumed.code, resumed.stderr).toBe(0)
    const copy = join(w.home, "projects", host.replace(/[^A-Za-z0-9]/g, "-"), `${claudeSessionId}.jsonl`)
    const text = readFileSync(copy, "utf8")
    expect(text).toContain("made in the container")
    expect(text).toContain("continued on the host")
  })
})
