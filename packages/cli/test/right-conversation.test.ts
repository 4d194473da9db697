/**
 * Regressions of paths that continued the wrong conversation or said something untrue, each
 * on the real CLI's fixtures (no Claude run): adopt order, old logs without links, terminal
 * injection, unreadable input, help.
 */
import { execSync, spawn } from "node:child_process"
import { appendFileSync, chmodSync, cpSync, mkdirSync, mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { makeEvent, newStableId, openEventLog, processStartTime } from "@cc/events"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
// @ts-expect-error plain JS tools
import { runProcess } from "../../../tools/spawn.mjs"

type Run = { stdout: string; stderr: string; code: number }
const cliPath = resolve(import.meta.dirname, "../dist/cli.js")
const fixtures = resolve(import.meta.dirname, "../../../fixtures/real-cli/claude-home")
let dir: string
let home: string
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "cc-right-"))
  home = join(dir, "claude")
  cpSync(fixtures, home, { recursive: true })
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const cli = (
  args: ReadonlyArray<string>,
  store = join(dir, "store"),
  options: { env?: Record<string, string>; home?: string } = {}
): Promise<Run> =>
  runProcess(process.execPath, [cliPath, "--store", store, "--claude-home", options.home ?? home, ...args], {
    env: { PATH: process.env.PATH ?? "", HOME: dir, ...options.env }
  })

const OLD = [
  "922c9f63-2669-48ce-8d24-b333a4d2f77a",
  "69d43b1c-92a3-4aed-b9ed-9417afacb704",
  "87295de4-316e-4bb6-b994-7fb59839e6f9"
]

describe("recover --adopt keeps a 1.0.x chain in its order", () => {
  it("show, ls and ls --all name the chain's last member as the one to resume", async () => {
    const store = join(dir, "adopt")
    expect((await cli(["recover", "--adopt"], store)).code).toBe(0)
    const listed = JSON.parse((await cli(["--json", "ls"], store)).stdout) as Array<{
      id: string
      cwd: string
      claudeSessionIds: Array<string>
      latestClaudeSessionId: string
    }>
    const legacy = listed.find((r) => r.cwd === "/srv/cc-fixtures/legacy")
    expect(legacy?.claudeSessionIds).toEqual(OLD)
    expect(legacy?.latestClaudeSessionId).toBe(OLD[2])
    const shown = JSON.parse((await cli(["--json", "show", legacy?.id ?? ""], store)).stdout)
    expect(shown.claudeSessionIds).toEqual(OLD)
    expect(shown.latestClaudeSessionId).toBe(OLD[2])
    const all = JSON.parse((await cli(["--json", "ls", "--all"], store)).stdout) as Array<{
      id: string
      latestClaudeSessionId: string
      claudeSessionIds: Array<string>
    }>
    // every adopted session agrees between ls and ls --all
    for (const row of listed) {
      const same = all.find((r) => r.id === row.id)
      expect(same?.latestClaudeSessionId).toBe(row.latestClaudeSessionId)
      expect(same?.claudeSessionIds).toEqual(row.claudeSessionIds)
    }
  })

  it("a store adopted by an older version (ids, no links, no times) still resumes the latest", async () => {
    const store = join(dir, "old-adopt")
    const log = await openEventLog({ dir: store })
    const id = newStableId()
    const now = new Date().toISOString()
    await log.append([
      makeEvent("session.opened", id, { cwd: "/srv/cc-fixtures/legacy", mode: "interactive" }),
      // as the adopt of 4eccea8 wrote them: one instant, sorted by id on read
      ...OLD.map((claudeSessionId) =>
        makeEvent(
          "claude.observed",
          id,
          { claudeSessionId: claudeSessionId as never, source: "recover", evidence: "x", confidence: 1 },
          { at: now }
        )
      )
    ])
    // the index must know the transcripts' links
    expect((await cli(["index"], store)).code).toBe(0)
    const shown = JSON.parse((await cli(["--json", "show", id], store)).stdout)
    expect(shown.claudeSessionIds).toEqual(OLD)
    expect(shown.latestClaudeSessionId).toBe(OLD[2])
    const listed = JSON.parse((await cli(["--json", "ls"], store)).stdout)
    expect(listed[0].latestClaudeSessionId).toBe(OLD[2])
  })
})

// biome-ignore lint/suspicious/noControlCharactersInRegex: what must never reach a terminal raw
const RAW = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/

describe("a hostile transcript reaches no terminal raw", () => {
  const cwd = "/tmp/a\n\u001b[2J\u001b[31mPWNED\u001b]0;hijack\u0007\r/x"
  const id = "5e5e5e5e-1111-4222-8333-444444444444"
  const hostileHome = () => {
    const root = join(dir, "hostile-home")
    const folder = join(root, "projects", cwd.replace(/[^A-Za-z0-9]/g, "-"))
    mkdirSync(folder, { recursive: true })
    const line = (type: string, uuid: string, parentUuid: string | null, at: string) =>
      JSON.stringify({
        type,
        uuid,
        parentUuid,
        sessionId: id,
        cwd,
        version: "2.1.197",
        gitBranch: "\u001b[31mmain",
        timestamp: at,
        message:
          type === "user"
            ? { role: "user", content: "hi \u001b[2J" }
            : { role: "assistant", content: [{ type: "text", text: "ok" }] }
      })
    appendFileSync(
      join(folder, `${id}.jsonl`),
      `${line("user", "u-1", null, "2026-11-30T10:00:00.000Z")}\n${line("assistant", "u-2", "u-1", "2026-11-30T10:00:01.000Z")}\n`
    )
    return root
  }

  it("ls --all, show, resolve and recover escape every control character, one row per session", async () => {
    const root = hostileHome()
    const store = join(dir, "hostile-store")
    const opts = { home: root }
    for (const args of [["ls", "--all"], ["show", id], ["resolve", id], ["recover"], ["recover", "--adopt"], ["ls"]]) {
      const r = await cli(args, store, opts)
      expect(r.code, `${args.join(" ")}: ${r.stderr}`).toBe(0)
      expect(r.stdout + r.stderr).not.toMatch(RAW)
      expect(r.stdout).toContain("\\e[2J")
    }
    const listed = await cli(["ls", "--all"], store, opts)
    expect(listed.stdout.trim().split("\n")).toHaveLength(2)
    // --json keeps ordinary JSON escaping: the cwd decodes to itself
    const json = JSON.parse((await cli(["--json", "ls", "--all"], store, opts)).stdout)
    expect(json[0].cwd).toBe(cwd)
  })

  it("an argument's escape codes are not echoed raw in errors", async () => {
    const store = join(dir, "with-sessions")
    mkdirSync(join(store, "sessions"), { recursive: true })
    for (const args of [["resolve", "\u001b[2Jx"], ["channelcoder", "repair", "\u001b[31mred"], ["\u001b[31mnope"]]) {
      const r = await cli(args, store)
      expect(r.code).not.toBe(0)
      expect(r.stderr).not.toMatch(RAW)
      expect(r.stderr).toMatch(/\\e\[|\\u001b\[/)
    }
  })
})

describe("launches that cannot start are refused before anything is recorded", () => {
  it("a missing --cwd: one clear line, exit 2, no session left opened (detached and foreground)", async () => {
    const store = join(dir, "nocwd")
    for (const mode of [["--detached"], []]) {
      const r = await cli(["run", ...mode, "--cwd", join(dir, "nonexistent"), "--", "x"], store)
      expect(r.code).toBe(2)
      expect(r.stderr).toMatch(/does not exist: nothing was started/)
      expect(r.stderr).not.toMatch(/\n\s+at |ENOENT|claude/)
    }
    expect(JSON.parse((await cli(["--json", "ls"], store)).stdout)).toEqual([])
  })

  it("no claude on PATH: exit 1, says so, records nothing", async () => {
    const store = join(dir, "noclaude")
    const r = await cli(["run", "--detached", "--", "x"], store, { env: { PATH: "/nonexistent-bin" } })
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(/no claude to run/)
    expect(JSON.parse((await cli(["--json", "ls"], store)).stdout)).toEqual([])
  })
})

describe("watch follows a run that has not named its Claude id yet", () => {
  it("by its stable id, to the run's end (here: its claude gone, no result: lost)", async () => {
    const store = join(dir, "watch-starting")
    const log = await openEventLog({ dir: store })
    const id = newStableId()
    const sleeper = spawn("sleep", ["2"], { stdio: "ignore" })
    const pid = sleeper.pid as number
    await log.append([
      makeEvent("session.opened", id, { cwd: dir, mode: "detached", logPath: join(dir, "starting.log") }),
      makeEvent("run.started", id, { runId: "r1", pid, pidStart: processStartTime(pid), mode: "detached" })
    ])
    appendFileSync(join(dir, "starting.log"), "")
    const r = await cli(["watch", id], store)
    expect(r.code, r.stderr).toBe(0)
    const types = r.stdout
      .trim()
      .split("\n")
      .map((line) => (JSON.parse(line) as { type: string }).type)
    expect(types).toEqual(["session.opened", "run.started", "run.finished"])
  })
})

describe("watch ends on a session with no run going, after printing all of it", () => {
  it("an adopted session, and a finished one of two runs", async () => {
    const store = join(dir, "watch")
    const log = await openEventLog({ dir: store })
    const adopted = newStableId()
    const finished = newStableId()
    await log.append([
      makeEvent("session.opened", adopted, { cwd: "/srv/cc-fixtures/legacy", mode: "interactive" }),
      makeEvent("claude.observed", adopted, {
        claudeSessionId: OLD[0] as never,
        source: "recover",
        evidence: "x",
        confidence: 1
      }),
      makeEvent("session.opened", finished, { cwd: "/w", mode: "detached" }),
      ...["r1", "r2"].flatMap((runId) => [
        makeEvent("run.started", finished, { runId }),
        makeEvent("claude.observed", finished, {
          claudeSessionId: OLD[runId === "r1" ? 1 : 2] as never,
          source: "stream",
          evidence: runId,
          confidence: 1
        }),
        makeEvent("run.finished", finished, { runId, exitCode: 0 })
      ])
    ])
    const a = await cli(["watch", adopted], store)
    expect(a.code).toBe(0)
    expect(a.stdout.trim().split("\n")).toHaveLength(2)
    const f = await cli(["watch", finished], store)
    expect(f.code).toBe(0)
    expect(f.stdout.trim().split("\n")).toHaveLength(7)
  })
})

describe("a first prompt of megabytes (a pasted log)", () => {
  it("still gives the session its cwd, first activity, version and first-prompt hash", async () => {
    const root = join(dir, "big-home")
    const cwd = "/srv/big"
    const id = "b16b16b1-1111-4222-8333-444444444444"
    const folder = join(root, "projects", "-srv-big")
    mkdirSync(folder, { recursive: true })
    const entry = (type: string, uuid: string, parentUuid: string | null, text: string, at: string) =>
      JSON.stringify({
        parentUuid,
        isSidechain: false,
        userType: "external",
        cwd,
        sessionId: id,
        version: "2.1.332",
        gitBranch: "main",
        type,
        message:
          type === "user" ? { role: "user", content: text } : { role: "assistant", content: [{ type: "text", text }] },
        uuid,
        timestamp: at
      })
    appendFileSync(
      join(folder, `${id}.jsonl`),
      `${entry("user", "u-1", null, `look at this log\n${"x".repeat(3 * 1024 * 1024)}`, "2026-11-30T10:00:00.000Z")}\n${entry("assistant", "u-2", "u-1", "ok", "2026-11-30T10:00:01.000Z")}\n`
    )
    const store = join(dir, "big-store")
    const rows = JSON.parse((await cli(["--json", "ls", "--all", "--cwd", cwd], store, { home: root })).stdout)
    expect(rows).toHaveLength(1)
    expect(rows[0]).toMatchObject({ cwd, firstActivity: "2026-11-30T10:00:00.000Z", claudeVersion: "2.1.332" })
    const token = await cli(["token", id], store, { home: root })
    expect(token.code, token.stderr).toBe(0)
    expect(token.stdout).toMatch(/^cct1\./)
  })
})

describe("input that cannot be read is said, never an empty answer alone", () => {
  it("a misspelt --claude-home, and a projects/ that is not a folder, warn on ls --all, show and recover", async () => {
    const store = join(dir, "unreadable-store")
    const typo = join(dir, "typo-home")
    for (const args of [["ls", "--all"], ["--json", "ls", "--all"], ["recover"]]) {
      const r = await cli(args, store, { home: typo })
      expect(r.code).toBe(0)
      expect(r.stderr).toContain(`${typo}: Claude home does not exist`)
    }
    const odd = join(dir, "odd-home")
    mkdirSync(odd, { recursive: true })
    appendFileSync(join(odd, "projects"), "not a folder\n")
    const r = await cli(["ls", "--all"], store, { home: odd })
    expect(r.stderr).toMatch(/warning: .*projects/)
    // a home with no sessions yet is no problem
    const empty = join(dir, "empty-home")
    mkdirSync(empty, { recursive: true })
    expect((await cli(["ls", "--all"], store, { home: empty })).stderr).toBe("")
  })

  it("a folder without permission, as a user who cannot read it", async (context) => {
    const uid = process.getuid?.()
    // root reads everything: the check needs another user who can reach this checkout
    const nobody = 65534
    const reach =
      uid === 0
        ? runProcess(process.execPath, ["-e", `require("fs").accessSync(${JSON.stringify(cliPath)})`], {
            uid: nobody,
            gid: nobody
          }).catch(() => ({ code: -1 }))
        : undefined
    // (a Node of its own under a private folder cannot even be started as that user)
    if (reach === undefined || (await reach).code !== 0) return context.skip()
    // its own folder, which that user can reach (the suite's own is private)
    const open = mkdtempSync(join(tmpdir(), "cc-locked-"))
    chmodSync(open, 0o755)
    context.onTestFinished(() => rmSync(open, { recursive: true, force: true }))
    const home = join(open, "locked-home")
    cpSync(fixtures, home, { recursive: true })
    execSync(
      `chmod -R a+rX ${JSON.stringify(home)} && chmod 000 ${JSON.stringify(join(home, "projects", "-srv-cc-fixtures-legacy"))}`
    )
    const store = join(open, "locked-store")
    mkdirSync(store, { recursive: true, mode: 0o777 })
    execSync(`chmod 777 ${JSON.stringify(store)}`)
    const r = await runProcess(process.execPath, [cliPath, "--store", store, "--claude-home", home, "ls", "--all"], {
      env: { PATH: process.env.PATH ?? "", HOME: store },
      uid: nobody,
      gid: nobody
    })
    expect(r.code).toBe(0)
    expect(r.stderr).toMatch(/warning: .*-srv-cc-fixtures-legacy.*(permission|EACCES)/i)
  })
})

describe("help and small things", () => {
  it("each command has its own help, by --help, -h and help COMMAND", async () => {
    for (const args of [
      ["ls", "--help"],
      ["ls", "-h"],
      ["help", "ls"]
    ]) {
      const r = await cli(args)
      expect(r.code).toBe(0)
      expect(r.stdout).toContain("Usage: cc-session [global options] ls")
      expect(r.stdout).toContain("--since DATE")
      expect(r.stdout).toContain("--limit N")
      expect(r.stdout).not.toContain("Commands:")
    }
    for (const args of [["-h"], ["help"], ["--help"]]) {
      const r = await cli(args)
      expect(r.code).toBe(0)
      expect(r.stdout).toContain("Commands:")
    }
    expect((await cli(["help", "nope"])).code).toBe(2)
  })

  it("sync without a URL and channelcoder without a subcommand say what they take", async () => {
    const sync = await cli(["sync"])
    expect(sync.code).toBe(2)
    expect(sync.stderr).toMatch(/sync takes the shared log's URL/)
    const cc = await cli(["channelcoder"])
    expect(cc.code).toBe(2)
    expect(cc.stderr).toMatch(/channelcoder takes a subcommand: repair/)
  })

  it("--events takes PostgreSQL URLs only; a refused one is an I/O error naming it", async () => {
    const bad = await cli(["--events", "mysql://x", "ls"])
    expect(bad.code).toBe(2)
    expect(bad.stderr).toMatch(/--events takes a PostgreSQL URL/)
    const refused = await cli(["--events", "postgres://nobody@127.0.0.1:1/none", "ls"])
    expect(refused.code).toBe(4)
    expect(refused.stderr).toMatch(/127\.0\.0\.1:1/)
  })

  it("the same session in two Claude homes is one row of one run, and show names both files", async () => {
    const second = join(dir, "second-home")
    cpSync(fixtures, second, { recursive: true })
    const store = join(dir, "two-homes")
    const r = await runProcess(
      process.execPath,
      [cliPath, "--store", store, "--claude-home", home, "--claude-home", second, "--json", "ls", "--all"],
      { env: { PATH: process.env.PATH ?? "", HOME: dir } }
    )
    const rows = JSON.parse(r.stdout) as Array<{ claudeSessionIds: Array<string> }>
    expect(rows.find((row) => row.claudeSessionIds.includes(OLD[0] as string))?.claudeSessionIds).toEqual(OLD)
    expect(rows.every((row) => new Set(row.claudeSessionIds).size === row.claudeSessionIds.length)).toBe(true)
    const shown = await runProcess(
      process.execPath,
      [cliPath, "--store", store, "--claude-home", home, "--claude-home", second, "--json", "show", OLD[2] as string],
      { env: { PATH: process.env.PATH ?? "", HOME: dir } }
    )
    const transcripts = JSON.parse(shown.stdout).transcripts as Array<string>
    expect(transcripts.filter((path) => path.endsWith(`${OLD[2]}.jsonl`))).toHaveLength(2)
  })
})
