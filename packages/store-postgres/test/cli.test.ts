/** `cc-session` with a shared PostgreSQL log: `--events URL` and `sync URL`, two machines. */
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { makeEvent, newStableId, openEventLog } from "@cc/events"
import pg from "pg"
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest"
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

  it("a server that is down: a clear error, exit 4, nothing lost locally", async () => {
    const store = join(dir, "s")
    const log = await openEventLog({ dir: store })
    await log.append([makeEvent("session.opened", newStableId(), { cwd: "/w", mode: "run" })])
    const r = await cli(store, ["sync", "postgres://cc:pw@127.0.0.1:1/none"])
    expect(r.code).toBe(4)
    expect(JSON.parse(r.stderr).error.message).toMatch(/ECONNREFUSED/)
    expect((await log.read()).events).toHaveLength(1)
  })

  it("launching with --events is a usage error that says what to do", async () => {
    const r = await cli(join(dir, "s"), ["--events", url, "run", "--", "hello"])
    expect(r.code).toBe(2)
    expect(JSON.parse(r.stderr).error.message).toMatch(/sync URL/)
  })
})
