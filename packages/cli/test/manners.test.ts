/** Unix manners and listings, on the real CLI's fixtures: no Claude run needed. */
import { appendFileSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { makeEvent, newStableId, openEventLog } from "@cc/events"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
// @ts-expect-error plain JS tools
import { runProcess } from "../../../tools/spawn.mjs"

type Run = { stdout: string; stderr: string; code: number }
const cliPath = resolve(import.meta.dirname, "../dist/cli.js")
const fixtures = resolve(import.meta.dirname, "../../../fixtures/real-cli/claude-home")
let dir: string
let home: string
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "cc-manners-"))
  home = join(dir, "claude")
  cpSync(fixtures, home, { recursive: true })
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const cli = (args: ReadonlyArray<string>, store = join(dir, "store"), env: Record<string, string> = {}): Promise<Run> =>
  runProcess(process.execPath, [cliPath, "--store", store, "--claude-home", home, ...args], {
    env: { PATH: process.env.PATH ?? "", HOME: dir, ...env }
  })

const OLD = [
  "922c9f63-2669-48ce-8d24-b333a4d2f77a",
  "69d43b1c-92a3-4aed-b9ed-9417afacb704",
  "87295de4-316e-4bb6-b994-7fb59839e6f9"
]
const RUN = "c1812308-e78e-4adc-996b-5f41f914b13c"
const FORK = "bf5d7308-0564-4ae7-a0a6-0b19ca61848a"

describe("Unix manners", () => {
  it("--version prints the package version", async () => {
    const r = await cli(["--version"])
    expect(r.code).toBe(0)
    expect(r.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/)
    expect(JSON.parse((await cli(["--json", "--version"])).stdout)).toEqual({ version: r.stdout.trim() })
  })

  it("a closed pipe ends the output quietly, with success", async () => {
    const store = join(dir, "many")
    const log = await openEventLog({ dir: store })
    await log.append(
      Array.from({ length: 3000 }, () => makeEvent("session.opened", newStableId(), { cwd: "/w", mode: "run" }))
    )
    // pipefail: the status is cc-session's own, not head's
    const r = (await runProcess(
      "bash",
      [
        "-c",
        `set -o pipefail; "${process.execPath}" "${cliPath}" --store "${store}" --claude-home "${home}" ls | head -1`
      ],
      { env: { PATH: process.env.PATH ?? "", HOME: dir } }
    )) as Run
    expect(r.code).toBe(0)
    expect(r.stderr).toBe("")
    expect(r.stdout.trim().split("\n")).toHaveLength(1)
  })

  it("unreadable event log lines are reported once, with their offsets (--json: a warnings array)", async () => {
    const store = join(dir, "damaged")
    const log = await openEventLog({ dir: store })
    const id = newStableId()
    await log.append([makeEvent("session.opened", id, { cwd: "/w", mode: "run" })])
    appendFileSync(join(store, "events.jsonl"), 'this is not an event\n{"v":1,"broken"\n')
    await log.append([makeEvent("session.labeled", id, { label: "after the damage" })])
    const text = await cli(["show", id], store)
    expect(text.code).toBe(0)
    const lines = text.stderr.trim().split("\n")
    expect(lines).toHaveLength(1)
    expect(lines[0]).toMatch(/events\.jsonl: 2 lines could not be read and were skipped \(at bytes \d+, \d+\)/)
    const json = await cli(["--json", "ls"], store)
    expect(JSON.parse(json.stdout)).toHaveLength(1)
    const { warnings } = JSON.parse(json.stderr) as { warnings: Array<{ offsets: Array<number> }> }
    expect(warnings).toHaveLength(1)
    expect(warnings[0]?.offsets).toHaveLength(2)
  })

  it("NO_COLOR and a pipe get no escape codes", async () => {
    const r = await cli(["ls", "--all"], join(dir, "store"), { NO_COLOR: "1" })
    expect(r.stdout).not.toContain("\u001b[")
  })

  it("a bad --map, --since or --limit is a usage error", async () => {
    expect((await cli(["--map", "relative=/x", "ls"])).code).toBe(2)
    expect((await cli(["ls", "--all", "--since", "yesterday-ish"])).code).toBe(2)
    expect((await cli(["ls", "--all", "--limit", "0"])).code).toBe(2)
  })
})

describe("ls --all", () => {
  type Row = {
    id: string | null
    status: string
    claudeSessionIds: Array<string>
    latestClaudeSessionId: string
    forkedFrom: { claudeSessionId: string; stableId: string | null } | null
    cwd: string
    firstActivity: string
    lastActivity: string
    claudeVersion: string
    transcriptBytes: number
  }
  it("lists every chain once, newest activity first, a fork naming its parent", async () => {
    const rows = JSON.parse((await cli(["--json", "ls", "--all"])).stdout) as Array<Row>
    const chain = rows.find((r) => r.claudeSessionIds.includes(OLD[0] as string))
    expect(chain).toMatchObject({
      claudeSessionIds: OLD,
      latestClaudeSessionId: OLD[2],
      cwd: "/srv/cc-fixtures/legacy",
      claudeVersion: "1.0.30",
      id: null,
      status: "unknown"
    })
    expect(chain?.transcriptBytes).toBeGreaterThan(0)
    expect(rows.filter((r) => r.claudeSessionIds.some((id) => OLD.includes(id)))).toHaveLength(1)
    expect(rows.find((r) => r.latestClaudeSessionId === FORK)?.forkedFrom).toEqual({
      claudeSessionId: RUN,
      stableId: null
    })
    const times = rows.map((r) => r.lastActivity)
    expect(times).toEqual([...times].sort().reverse())
  })

  it("filters by --cwd (other checkouts of the repository too), --since and --limit", async () => {
    const app = JSON.parse((await cli(["--json", "ls", "--all", "--cwd", "/srv/cc-fixtures/app"])).stdout) as Array<Row>
    expect(app.length).toBeGreaterThan(1)
    expect(app.every((r) => r.cwd.startsWith("/srv/cc-fixtures/app"))).toBe(true)
    expect(app.some((r) => r.cwd === "/srv/cc-fixtures/app.worktrees/feature")).toBe(true)
    expect(JSON.parse((await cli(["--json", "ls", "--all", "--limit", "2"])).stdout)).toHaveLength(2)
    expect(JSON.parse((await cli(["--json", "ls", "--all", "--since", "2099-01-01"])).stdout)).toEqual([])
    const human = await cli(["ls", "--all", "--limit", "3"])
    expect(human.stdout.split("\n")[0]).toMatch(/^ID\s+STATUS\s+TITLE\s+LATEST CLAUDE ID/)
  })

  it("a container's sessions are listed and matched on the host through --map", async () => {
    const container = join(dir, "container-home")
    const folder = join(container, "projects", "-workspace")
    mkdirSync(folder, { recursive: true })
    const id = "12345678-1234-4234-8234-123456789abc"
    appendFileSync(
      join(folder, `${id}.jsonl`),
      `${JSON.stringify({ type: "user", uuid: "aaaaaaaa-1234-4234-8234-123456789abc", parentUuid: null, sessionId: id, cwd: "/workspace", version: "2.1.332", timestamp: "2026-11-20T10:00:00.000Z", message: { role: "user", content: "in a container" } })}\n`
    )
    const host = join(dir, "checkout")
    const r = await runProcess(
      process.execPath,
      [
        cliPath,
        "--store",
        join(dir, "store"),
        "--claude-home",
        container,
        "--map",
        `/workspace=${host}`,
        "--json",
        "ls",
        "--all",
        "--cwd",
        host
      ],
      { env: { PATH: process.env.PATH ?? "", HOME: dir } }
    )
    expect((JSON.parse(r.stdout) as Array<Row>).map((x) => x.latestClaudeSessionId)).toEqual([id])
    const viaEnv = await runProcess(
      process.execPath,
      [cliPath, "--store", join(dir, "store"), "--claude-home", container, "--json", "ls", "--all", "--cwd", host],
      { env: { PATH: process.env.PATH ?? "", HOME: dir, CC_SESSIONS_MAP: `/workspace=${host}` } }
    )
    expect(JSON.parse(viaEnv.stdout)).toHaveLength(1)
  })
})

describe("ls --all, kept between runs", () => {
  it("is the last listing again until the transcripts or the store change, and never a damaged one", async () => {
    const own = join(dir, "kept-home")
    cpSync(fixtures, own, { recursive: true })
    const store = join(dir, "kept-store")
    const list = async () => {
      const r = await runProcess(
        process.execPath,
        [cliPath, "--store", store, "--claude-home", own, "--json", "ls", "--all"],
        {
          env: { PATH: process.env.PATH ?? "", HOME: dir }
        }
      )
      expect(r.code).toBe(0)
      return r.stdout as string
    }
    const kept = join(store, "index", "ls-all.v7.jsonl")
    const first = await list()
    const savedAt = statSync(kept).mtimeMs
    expect(await list()).toBe(first)
    expect(statSync(kept).mtimeMs).toBe(savedAt)
    expect(statSync(kept).mode & 0o777).toBe(0o600)

    // the store learns who a chain belongs to: listed with its stable id
    const id = newStableId()
    const log = await openEventLog({ dir: store })
    await log.append([
      makeEvent("session.opened", id, { cwd: "/srv/cc-fixtures/app", mode: "run" }),
      makeEvent("claude.observed", id, {
        claudeSessionId: RUN as never,
        source: "test",
        evidence: "a test",
        confidence: 1
      })
    ])
    const owned = JSON.parse(await list()) as Array<{ id: string | null; claudeSessionIds: Array<string> }>
    expect(owned.find((r) => r.claudeSessionIds.includes(RUN))?.id).toBe(id)

    // a new transcript: listed
    const fresh = "12345678-aaaa-4bbb-8ccc-123456789abc"
    const folder = join(own, "projects", "-srv-new")
    mkdirSync(folder, { recursive: true })
    writeFileSync(
      join(folder, `${fresh}.jsonl`),
      `${JSON.stringify({ type: "user", uuid: "aaaaaaaa-1234-4234-8234-123456789abd", parentUuid: null, sessionId: fresh, cwd: "/srv/new", version: "2.1.332", timestamp: "2026-11-26T10:00:00.000Z", message: { role: "user", content: "new" } })}\n`
    )
    const grown = await list()
    expect((JSON.parse(grown) as Array<{ latestClaudeSessionId: string }>)[0]?.latestClaudeSessionId).toBe(fresh)

    // a damaged listing (one byte of its rows changed) is made again, not printed
    const text = readFileSync(kept, "utf8")
    const at = text.indexOf(RUN)
    writeFileSync(kept, `${text.slice(0, at)}0${text.slice(at + 1)}`)
    expect(await list()).toBe(grown)
  })
})

describe("resolve", () => {
  it("prints the cwd of a session known only from transcripts", async () => {
    const r = JSON.parse((await cli(["--json", "resolve", OLD[1] as string])).stdout)
    expect(r).toMatchObject({ id: null, cwd: "/srv/cc-fixtures/legacy", claudeSessionIds: OLD })
  })
})
