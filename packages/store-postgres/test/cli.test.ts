/** `cc-session` with a shared PostgreSQL log: `--events URL` and `sync URL`, two machines. */
import { spawn } from "node:child_process"
import { mkdirSync, mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { makeEvent, newStableId, openEventLog } from "@cc/events"
import pg from "pg"
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest"
// @ts-expect-error plain JS tools
import { claudeEnv, startStandin } from "../../../tools/anthropic-standin.mjs"
// @ts-expect-error plain JS tools
import { claude2 } from "../../../tools/claude-bins.mjs"
// @ts-expect-error plain JS tools
import { runProcess } from "../../../tools/spawn.mjs"

type Run = { stdout: string; stderr: string; code: number }
const cliPath = resolve(import.meta.dirname, "../../cli/dist/cli.js")
const base = process.env.CC_TEST_PG_URL as string
const admin = new pg.Pool({ connectionString: base, max: 1 })
afterAll(() => admin.end())

let dir: string
let url: string
let n = 0
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), "cc-pg-cli-"))
  // a database of its own for each test: the CLI uses the default table names
  const db = `cli_${process.pid}_${++n}`
  await admin.query(`CREATE DATABASE ${db}`)
  url = base.replace(/\/postgres$/, `/${db}`)
})
afterEach(() => rmSync(dir, { recursive: true, force: true }))

const cli = (store: string, args: ReadonlyArray<string>): Promise<Run> =>
  runProcess(process.execPath, [cliPath, "--store", store, "--claude-home", join(dir, "claude"), "--json", ...args], {
    env: { PATH: process.env.PATH ?? "", HOME: dir }
  })

const CLAUDE_ID = "00000000-0000-4000-8000-00000000abcd"

describe("cc-session and a shared PostgreSQL log", () => {
  it("a session recorded on machine A is resolved from machine B; a second sync moves nothing", async () => {
    const storeA = join(dir, "a")
    const storeB = join(dir, "b")
    const id = newStableId()
    const logA = await openEventLog({ dir: storeA })
    await logA.append([
      makeEvent("session.opened", id, { cwd: "/srv/app", mode: "detached" }),
      makeEvent("claude.observed", id, {
        claudeSessionId: CLAUDE_ID as never,
        source: "stream",
        evidence: "init",
        confidence: 1
      })
    ])
    const first = await cli(storeA, ["sync", url])
    expect(first.code).toBe(0)
    expect(JSON.parse(first.stdout)).toMatchObject({ pushed: 2, pulled: 0 })
    expect(JSON.parse((await cli(storeA, ["sync", url])).stdout)).toMatchObject({ pushed: 0, pulled: 0 })
    // B reads the shared log directly…
    const shown = await cli(storeB, ["--events", url, "resolve", id])
    expect(shown.code).toBe(0)
    expect(JSON.parse(shown.stdout)).toMatchObject({ id, claudeSessionIds: [CLAUDE_ID], cwd: "/srv/app" })
    // …or brings it home
    expect(JSON.parse((await cli(storeB, ["sync", url])).stdout)).toMatchObject({ pulled: 2 })
    expect(JSON.parse((await cli(storeB, ["resolve", CLAUDE_ID])).stdout)).toMatchObject({ id })
    const events = (await cli(storeB, ["--events", url, "events"])).stdout.trim().split("\n")
    expect(events).toHaveLength(2)
  })

  it("two hosts: a detached run on A is resolved from B naming host A, B's watch sees A's events as A syncs them, and resume on B names host A", async () => {
    const standin: { url: string; close: () => Promise<void> } = await startStandin()
    try {
      const host = (name: "host-a" | "host-b") => {
        const home = join(dir, name, "home")
        const store = join(dir, name, "store")
        mkdirSync(home, { recursive: true })
        const env = { ...claudeEnv(standin.url, home), CC_SESSIONS_HOST: name }
        const run = (args: ReadonlyArray<string>, cwd = dir): Promise<Run> =>
          runProcess(
            process.execPath,
            [cliPath, "--store", store, "--claude-home", home, "--claude-bin", claude2(), "--json", ...args],
            { env, cwd }
          )
        return { home, store, env, run }
      }
      const a = host("host-a")
      const b = host("host-b")
      const proj = join(dir, "proj")
      mkdirSync(proj)
      const launched = await a.run(["run", "--detached", "--", "hello from A"], proj)
      expect(launched.code).toBe(0)
      const { id, claudeSessionId } = JSON.parse(launched.stdout) as { id: string; claudeSessionId: string }
      expect((await a.run(["sync", url])).code).toBe(0)

      // B follows the shared log; A's run ends, A syncs again, and B's watch sees the end
      const watched: Array<{ type: string; host?: string }> = []
      const watcher = spawn(
        process.execPath,
        [cliPath, "--store", b.store, "--claude-home", b.home, "--events", url, "--json", "watch", id],
        { env: b.env }
      )
      let buffered = ""
      watcher.stdout.on("data", (chunk: Buffer) => {
        buffered += chunk.toString()
        const lines = buffered.split("\n")
        buffered = lines.pop() ?? ""
        for (const line of lines) if (line.trim() !== "") watched.push(JSON.parse(line))
      })
      const watchEnded = new Promise<number | null>((done) => watcher.on("close", done))
      for (let i = 0; i < 300; i++) {
        const shown = JSON.parse((await a.run(["show", id])).stdout) as { status: string }
        if (shown.status === "finished" || shown.status === "failed") break
        await new Promise((r) => setTimeout(r, 100))
      }
      expect(watched.some((e) => e.type === "run.finished")).toBe(false)
      expect((await a.run(["sync", url])).code).toBe(0)
      expect(await watchEnded).toBe(0)
      expect(watched.map((e) => e.type)).toContain("run.finished")
      expect(new Set(watched.map((e) => e.host))).toEqual(new Set(["host-a"]))

      // B asks the shared log: host A, for the session and for its run
      const shown = await b.run(["--events", url, "show", id])
      expect(shown.code).toBe(0)
      expect(JSON.parse(shown.stdout)).toMatchObject({
        id,
        host: "host-a",
        status: "finished",
        claudeSessionIds: [claudeSessionId],
        runs: [expect.objectContaining({ host: "host-a" })]
      })
      const resolved = await b.run(["--events", url, "resolve", claudeSessionId])
      expect(JSON.parse(resolved.stdout)).toMatchObject({ id, host: "host-a" })

      // B brings the log home; resuming there would fail inside claude: it says where instead
      expect((await b.run(["sync", url])).code).toBe(0)
      const resumed = await b.run(["resume", id, "--", "again"], proj)
      expect(resumed.code).toBe(1)
      const error = JSON.parse(resumed.stderr).error
      expect(error).toMatchObject({ code: "not_found", hosts: ["host-a"] })
      expect(error.message).toMatch(/host-a/)
      // on A itself it resumes
      expect((await a.run(["resume", id, "--", "again"], proj)).code).toBe(0)
    } finally {
      await standin.close()
    }
  })

  it("a server that is down: a clear error, exit 4, nothing lost locally", async () => {
    const store = join(dir, "s")
    const log = await openEventLog({ dir: store })
    await log.append([makeEvent("session.opened", newStableId(), { cwd: "/w", mode: "run" })])
    const r = await cli(store, ["sync", "postgres://cc:pw@127.0.0.1:1/none"])
    expect(r.code).toBe(4)
    expect(JSON.parse(r.stderr).error.message).toMatch(/ECONNREFUSED/)
    expect((await log.read()).events).toHaveLength(1)
  })

  it("launching with --events: recorded on A and pushed as it goes, B's watch sees the run end with no sync; a server that is down launches nothing", async () => {
    const standin: { url: string; close: () => Promise<void> } = await startStandin()
    try {
      const homeA = join(dir, "a-home")
      const storeA = join(dir, "a-store")
      const homeB = join(dir, "b-home")
      mkdirSync(homeA, { recursive: true })
      mkdirSync(homeB, { recursive: true })
      const proj = join(dir, "proj")
      mkdirSync(proj)
      const envA = { ...claudeEnv(standin.url, homeA), CC_SESSIONS_HOST: "host-a" }
      const launched = await runProcess(
        process.execPath,
        [
          cliPath,
          "--store",
          storeA,
          "--claude-home",
          homeA,
          "--claude-bin",
          claude2(),
          "--events",
          url,
          "--json"
        ].concat(["run", "--detached", "--", "hello from A"]),
        { env: envA, cwd: proj }
      )
      expect(launched.code).toBe(0)
      const { id } = JSON.parse(launched.stdout) as { id: string }
      // B, on the shared log only, follows the run to its end: A never syncs
      const watched = await runProcess(
        process.execPath,
        [cliPath, "--store", join(dir, "b-store"), "--claude-home", homeB, "--events", url, "--json", "watch", id],
        { env: { ...claudeEnv(standin.url, homeB), CC_SESSIONS_HOST: "host-b" } }
      )
      expect(watched.code).toBe(0)
      const types = watched.stdout
        .trim()
        .split("\n")
        .map((line: string) => (JSON.parse(line) as { type: string }).type)
      expect(types).toEqual(
        expect.arrayContaining(["session.opened", "run.started", "claude.observed", "run.finished"])
      )
      // and A's own log has them all, for the day the server is gone
      const local = (await (await openEventLog({ dir: storeA })).read()).events.map((s) => s.event.type)
      expect(local).toEqual(
        expect.arrayContaining(["session.opened", "run.started", "claude.observed", "run.finished"])
      )
      expect(JSON.parse((await cli(storeA, ["sync", url])).stdout)).toMatchObject({ pushed: 0 })

      // a server that is down: a clear error, exit 4, and no run started
      const down = await runProcess(
        process.execPath,
        [cliPath, "--store", storeA, "--claude-home", homeA, "--claude-bin", claude2(), "--json"].concat([
          "--events",
          "postgres://cc:pw@127.0.0.1:1/none",
          "run",
          "--",
          "hello"
        ]),
        { env: envA, cwd: proj }
      )
      expect(down.code).toBe(4)
      expect(JSON.parse(down.stderr).error.message).toMatch(/ECONNREFUSED/)
      expect((await (await openEventLog({ dir: storeA })).read()).events.map((s) => s.event.type)).toEqual(local)
    } finally {
      await standin.close()
    }
  })
})
