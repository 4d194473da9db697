/**
 * Claude's and the SDK's own records in the CLI (issue 20): titles, tags, entrypoints and the
 * SDK's forks in `ls --all`, its filters, and a title as a reference. On the real tools' files
 * (fixtures/records-2.1.332) copied into a temp home, and on a hostile title.
 */
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { afterAll, describe, expect, it } from "vitest"
// @ts-expect-error plain JS tools
import { runProcess } from "../../../tools/spawn.mjs"

const cliPath = resolve(import.meta.dirname, "../dist/cli.js")
const fixtureHome = resolve(import.meta.dirname, "../../../fixtures/records-2.1.332/claude-home")
const base = mkdtempSync(join(tmpdir(), "cc-records-cli-"))
afterAll(() => rmSync(base, { recursive: true, force: true }))
const home = join(base, "home")
cpSync(fixtureHome, home, { recursive: true })
const NAMED = "6ce6d571-408f-468d-a881-54e3bdf92889"
const RENAMED = "c7adff14-cb29-48b9-bfcb-692e562fc230"
const FORK = "b4b27057-4f93-4150-8ce7-ea81f2d0d396"
const SDK = "8ad3252f-f678-4127-9341-0a5e67b33f2e"
const CLEARED = "98edcbd7-5274-4954-9ce5-cd6a1ee8ae1e"

const cli = (args: ReadonlyArray<string>, claudeHome = home, env: Record<string, string> = {}) =>
  runProcess(process.execPath, [cliPath, "--store", join(base, "store"), "--claude-home", claudeHome, ...args], {
    env: { ...process.env, ...env }
  }) as Promise<{ stdout: string; stderr: string; code: number | null }>
const rows = async (...args: Array<string>) => {
  const r = await cli(["--json", "ls", "--all", ...args])
  expect(r.code).toBe(0)
  return JSON.parse(r.stdout) as Array<Record<string, unknown> & { latestClaudeSessionId: string }>
}
const row = (all: ReadonlyArray<{ latestClaudeSessionId: string }>, id: string) =>
  all.find((r) => r.latestClaudeSessionId === id)

describe("ls --all with Claude's and the SDK's records", () => {
  it("shows each session's title, first prompt, branch, tag and entrypoint, and the SDK's fork's parent", async () => {
    const all = await rows()
    expect(row(all, NAMED)).toMatchObject({
      title: "my named session",
      firstPrompt: "named: first prompt",
      gitBranch: "HEAD"
    })
    expect(row(all, RENAMED)).toMatchObject({
      title: "renamed by the sdk",
      tag: "wip",
      entrypoint: "sdk-cli",
      programmatic: true
    })
    expect(row(all, FORK)).toMatchObject({
      title: "renamed by the sdk (fork)",
      forkedFrom: { claudeSessionId: RENAMED, stableId: null }
    })
    expect(row(all, SDK)).toMatchObject({ title: "sdk: first prompt", entrypoint: "sdk-ts", tag: null, archived: null })
  })

  it("hides the session the SDK archived unless --archived, as Claude's picker does", async () => {
    expect(row(await rows(), CLEARED)).toBeUndefined()
    expect(row(await rows("--archived"), CLEARED)).toMatchObject({ archived: true, tag: null })
    // a prompt sent after the mark unarchives it, as the SDK's reader has it
    const later = join(base, "later")
    cpSync(home, later, { recursive: true })
    writeFileSync(
      join(later, "projects", "-srv-cc-fixtures-app", `${CLEARED}.jsonl`),
      `${JSON.stringify({ type: "user", uuid: "later-1", timestamp: "2099-01-01T00:00:00.000Z", sessionId: CLEARED, message: { role: "user", content: "again" } })}\n`,
      { flag: "a" }
    )
    const r = await cli(["--json", "ls", "--all"], later)
    expect(row(JSON.parse(r.stdout), CLEARED)).toMatchObject({ archived: false })
  })

  it("filters by tag and branch, and keeps or hides programmatic sessions", async () => {
    expect((await rows("--tag", "wip")).map((r) => r.latestClaudeSessionId)).toEqual([RENAMED])
    expect(await rows("--tag", "nope")).toEqual([])
    // four: the fifth is archived
    expect((await rows("--branch", "HEAD")).length).toBe(4)
    // every fixture ran headless (-p: sdk-cli) or through the SDK (sdk-ts)
    expect((await rows("--programmatic", "--archived")).length).toBe(5)
    expect(await rows("--no-programmatic")).toEqual([])
    const both = await cli(["ls", "--all", "--programmatic", "--no-programmatic"])
    expect(both.code).toBe(2)
  })

  it("shows a TITLE and a TAG column on a terminal", async () => {
    const r = await cli(["ls", "--all"], home, { COLUMNS: "200" })
    expect(r.code).toBe(0)
    const [header] = r.stdout.split("\n")
    expect(header).toContain("TITLE")
    expect(header).toContain("TAG")
    expect(r.stdout).toContain("my named session")
  })
})

describe("a title as a reference", () => {
  it('resolves a unique title, as `claude --resume "my named session"` does, with or without title:', async () => {
    for (const ref of ["my named session", "title:my named session", "MY NAMED SESSION"]) {
      const r = await cli(["--json", "resolve", ref])
      expect(r.code, r.stderr).toBe(0)
      expect(JSON.parse(r.stdout).latestClaudeSessionId).toBe(NAMED)
    }
  })

  it("show gives the chain's title, tag and archive mark, as ls --all has them", async () => {
    const r = await cli(["--json", "show", "renamed by the sdk"])
    expect(r.code, r.stderr).toBe(0)
    expect(JSON.parse(r.stdout)).toMatchObject({
      title: "renamed by the sdk",
      tag: "wip",
      archived: null,
      entrypoint: "sdk-cli"
    })
  })

  it("lists the candidates of a title two sessions share, and says plainly when none has it", async () => {
    const twin = join(base, "twin")
    cpSync(home, twin, { recursive: true })
    const folder = join(twin, "projects", "-srv-cc-fixtures-app")
    writeFileSync(
      join(folder, `${RENAMED}.jsonl`),
      `${JSON.stringify({ type: "custom-title", customTitle: "my named session", sessionId: RENAMED })}\n`,
      { flag: "a" }
    )
    const ambiguous = await cli(["--json", "resolve", "my named session"], twin)
    expect(ambiguous.code).toBe(3)
    const candidates = JSON.parse(ambiguous.stdout).candidates.map(
      (c: { claudeSessionId: string }) => c.claudeSessionId
    )
    expect(candidates.sort()).toEqual([NAMED, RENAMED].sort())
    const none = await cli(["--json", "resolve", "title:no such title"])
    expect(none.code).toBe(1)
  })

  it("escapes a hostile title in the table and keeps it whole in JSON", async () => {
    const hostile = join(base, "hostile")
    const folder = join(hostile, "projects", "-srv-x")
    mkdirSync(folder, { recursive: true })
    const id = "12345678-1234-4234-8234-123456789abc"
    const title = "\u001b]0;pwned\u0007\u001b[2Jevil"
    writeFileSync(
      join(folder, `${id}.jsonl`),
      `${[
        JSON.stringify({ type: "custom-title", customTitle: title, sessionId: id }),
        JSON.stringify({
          type: "user",
          uuid: "u1",
          timestamp: "2026-12-01T00:00:00.000Z",
          cwd: "/srv/x",
          sessionId: id,
          message: { role: "user", content: "hi" }
        })
      ].join("\n")}\n`
    )
    const table = await cli(["ls", "--all"], hostile, { COLUMNS: "200" })
    expect(table.stdout).not.toContain("\u001b")
    expect(table.stdout).toContain("\\e]0;pwned")
    const json = await cli(["--json", "ls", "--all"], hostile)
    expect(JSON.parse(json.stdout)[0].title).toBe(title)
  })
})

describe("subagents", () => {
  it("counts the subagent transcripts Claude 2.1.332 wrote for a Task, and lists none of them as a session", async () => {
    const own = join(base, "subagents-home")
    cpSync(resolve(import.meta.dirname, "../../../fixtures/subagents-2.1.332/claude-home"), own, { recursive: true })
    const r = await cli(["--json", "ls", "--all"], own)
    expect(r.code, r.stderr).toBe(0)
    const listed = JSON.parse(r.stdout) as Array<{ claudeSessionIds: Array<string>; subagents: number }>
    expect(listed.map((row) => [row.claudeSessionIds, row.subagents])).toEqual([
      [["af13c06f-a55f-433e-94d6-a34a452e2b63"], 1]
    ])
  })
})

describe("rename, tag, archive: recorded as events", () => {
  it("of the stable session that owns the transcript, never with the title's text", async () => {
    const own = join(base, "evented-marks")
    cpSync(home, own, { recursive: true })
    const store = join(base, "evented-store")
    const run = (...args: Array<string>) =>
      runProcess(process.execPath, [cliPath, "--store", store, "--claude-home", own, "--json", ...args], {
        env: { ...process.env }
      }) as Promise<{ stdout: string; stderr: string; code: number | null }>
    expect((await run("recover", "--adopt")).code).toBe(0)
    const { id } = JSON.parse((await run("show", NAMED)).stdout) as { id: string }
    expect(id).toMatch(/^cc-session-/)
    for (const args of [
      ["rename", NAMED, "a secret title"],
      ["tag", NAMED, "wip"],
      ["tag", NAMED, "--clear"],
      ["archive", NAMED]
    ]) {
      const r = await run(...args)
      expect(r.code, r.stderr).toBe(0)
    }
    const log = readFileSync(join(store, "events.jsonl"), "utf8")
    const marks = log
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as { type: string; session: string; payload: Record<string, unknown> })
      .filter((e) => ["session.titled", "session.tagged", "session.archived"].includes(e.type))
    expect(marks.map((e) => [e.type, e.session, e.payload])).toEqual([
      ["session.titled", id, { claudeSessionId: NAMED }],
      ["session.tagged", id, { claudeSessionId: NAMED, tag: "wip" }],
      ["session.tagged", id, { claudeSessionId: NAMED, tag: null }],
      ["session.archived", id, { archived: true }]
    ])
    expect(log).not.toContain("a secret title")
  })
})

describe("rename, tag, archive: bad input", () => {
  it("refuses an empty or hostile title, a tag with --clear, and an unknown session, writing nothing", async () => {
    const own = join(base, "bad-marks")
    cpSync(home, own, { recursive: true })
    const path = join(own, "projects", "-srv-cc-fixtures-app", `${NAMED}.jsonl`)
    const before = readFileSync(path, "utf8")
    for (const args of [
      ["rename", NAMED, "   "],
      ["rename", NAMED, "\u001b[2Jevil"],
      ["tag", NAMED],
      ["tag", NAMED, "x", "--clear"]
    ]) {
      const r = await cli(args, own)
      expect(r.code, args.join(" ")).toBe(2)
      expect(r.stderr).not.toContain("\u001b")
    }
    const unknown = await cli(["rename", "00000000-0000-4000-8000-000000000000", "t"], own)
    expect(unknown.code).toBe(1)
    expect(readFileSync(path, "utf8")).toBe(before)
  })

  it("appends a record on a line of its own even after a cut-short last line", async () => {
    const own = join(base, "cut-marks")
    cpSync(home, own, { recursive: true })
    const path = join(own, "projects", "-srv-cc-fixtures-app", `${NAMED}.jsonl`)
    writeFileSync(path, '{"type":"assistant","half', { flag: "a" })
    expect((await cli(["tag", NAMED, "kept"], own)).code).toBe(0)
    expect(
      readFileSync(path, "utf8").endsWith(
        '\n{"type":"tag","tag":"kept","sessionId":"6ce6d571-408f-468d-a881-54e3bdf92889"}\n'
      )
    ).toBe(true)
  })
})

describe("search", () => {
  it("finds the chains whose conversation holds the text, newest first, with the message's snippet and time", async () => {
    const r = await cli(["--json", "search", "NAMED: first"])
    expect(r.code, r.stderr).toBe(0)
    const found = r.stdout
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line))
    // "renamed: first prompt" holds it too, in any case: the SDK's fork and its parent, and the -n session
    expect(found.map((f) => f.latestClaudeSessionId).sort()).toEqual([FORK, RENAMED, NAMED].sort())
    expect(found[0].match).toMatchObject({ role: "user" })
    const times = found.map((f) => f.lastActivity)
    expect([...times].sort().reverse()).toEqual(times)
    expect(JSON.parse((await cli(["--json", "search", "probe reply", "--limit", "1"])).stdout.trim()).match.role).toBe(
      "assistant"
    )
    // the archived session only when asked
    expect((await cli(["--json", "search", "archived: first"])).code).toBe(1)
    expect((await cli(["--json", "search", "archived: first", "--archived"])).code).toBe(0)
  })

  it("says plainly when nothing matches or the expression is none, and escapes what it prints", async () => {
    const none = await cli(["search", "no such words anywhere"])
    expect(none.code).toBe(1)
    expect(none.stderr).toContain("no session's conversation holds")
    expect((await cli(["search", "(", "--regex"])).code).toBe(2)
    const hostile = join(base, "hostile-search")
    const folder = join(hostile, "projects", "-srv-x")
    mkdirSync(folder, { recursive: true })
    const id = "12345678-1234-4234-8234-1234567890ab"
    writeFileSync(
      join(folder, `${id}.jsonl`),
      `${JSON.stringify({ type: "user", uuid: "u1", timestamp: "2026-12-01T00:00:00.000Z", cwd: "/srv/x", sessionId: id, message: { role: "user", content: "find \u001b[2J me" } })}\n`
    )
    const r = await cli(["search", "find"], hostile)
    expect(r.code).toBe(0)
    expect(r.stdout).not.toContain("\u001b")
    expect(r.stdout).toContain("\\e[2J")
    const grep = await cli(["--json", "ls", "--all", "--grep", "me$", "--regex"], hostile)
    expect(JSON.parse(grep.stdout).map((row: { latestClaudeSessionId: string }) => row.latestClaudeSessionId)).toEqual([
      id
    ])
  })
})
