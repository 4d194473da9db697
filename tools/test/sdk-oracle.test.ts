/**
 * The Agent SDK's own reader as an oracle: every session `listSessions()` (0.3.332) returns is
 * in `cc-session ls --all`, as its own row or inside a chain's, with the same cwd, git branch,
 * tag, title and first prompt. On the real tools' files (fixtures/records-2.1.332) and on
 * generated Claude homes. The rules where the two differ on purpose:
 * - a chain (a 1.0.x resume, a `continued-in` hand-off) is one row, holding every member;
 * - a fork is a row of its own that names its parent (`forkedFrom`);
 * - with no title, `title` is the first prompt (the SDK's `summary` prefers the last prompt);
 *   `firstPrompt` is compared as it is;
 * - `ls --all` hides archived sessions unless `--archived` (Claude's picker hides them; the
 *   SDK lists them with `archived: true`): compared with `--archived`.
 */
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { listSessions } from "@anthropic-ai/claude-agent-sdk"
import fc from "fast-check"
import { afterAll, describe, expect, it } from "vitest"
// @ts-expect-error plain JS tools
import { runProcess } from "../spawn.mjs"

const root = resolve(import.meta.dirname, "../..")
const cliPath = join(root, "packages/cli/dist/cli.js")
const fixtureHome = join(root, "fixtures/records-2.1.332/claude-home")
const base = mkdtempSync(join(tmpdir(), "cc-sdk-oracle-"))
afterAll(() => rmSync(base, { recursive: true, force: true }))

interface SdkRow {
  readonly sessionId: string
  readonly summary: string
  readonly customTitle?: string
  readonly firstPrompt?: string
  readonly gitBranch?: string
  readonly cwd?: string
  readonly tag?: string
  readonly archived?: boolean
}
interface OurRow {
  readonly claudeSessionIds: ReadonlyArray<string>
  readonly latestClaudeSessionId: string
  readonly cwd: string | null
  readonly gitBranch: string | null
  readonly tag: string | null
  readonly title: string | null
  readonly firstPrompt: string | null
  readonly forkedFrom: { readonly claudeSessionId: string | null } | null
  readonly archived: boolean | null
}

let homes = 0
/** The SDK reads CLAUDE_CONFIG_DIR when it is called: one home at a time. */
const sdkList = async (home: string): Promise<ReadonlyArray<SdkRow>> => {
  const before = process.env.CLAUDE_CONFIG_DIR
  process.env.CLAUDE_CONFIG_DIR = home
  try {
    return await listSessions()
  } finally {
    if (before === undefined) delete process.env.CLAUDE_CONFIG_DIR
    else process.env.CLAUDE_CONFIG_DIR = before
  }
}
const ours = async (home: string): Promise<ReadonlyArray<OurRow>> => {
  const store = join(base, `store-${++homes}`)
  const r = await runProcess(
    process.execPath,
    [cliPath, "--store", store, "--claude-home", home, "--json", "ls", "--all", "--archived"],
    {
      env: { ...process.env, CLAUDE_CONFIG_DIR: home }
    }
  )
  if (r.code !== 0) throw new Error(`ls --all exited ${r.code}: ${r.stderr}`)
  return JSON.parse(r.stdout)
}

/** Every difference between the two listings that no documented rule explains. */
const differences = (sdk: ReadonlyArray<SdkRow>, rows: ReadonlyArray<OurRow>): Array<string> => {
  const out: Array<string> = []
  for (const s of sdk) {
    const row = rows.find((r) => r.claudeSessionIds.includes(s.sessionId))
    if (row === undefined) {
      out.push(`${s.sessionId}: not listed`)
      continue
    }
    const own = row.claudeSessionIds.length === 1
    const expect = (what: string, got: unknown, want: unknown) => {
      if (got !== want) out.push(`${s.sessionId}: ${what} ${JSON.stringify(got)}, the SDK says ${JSON.stringify(want)}`)
    }
    expect("cwd", row.cwd, s.cwd ?? null)
    if (own || row.latestClaudeSessionId === s.sessionId) {
      expect("gitBranch", row.gitBranch, s.gitBranch ?? null)
      expect("tag", row.tag, s.tag ?? null)
      expect("archived", row.archived, s.archived ?? null)
      if (s.customTitle !== undefined) expect("title", row.title, s.customTitle)
    }
    if (own) expect("firstPrompt", row.firstPrompt, s.firstPrompt ?? null)
  }
  return out
}

describe("the Agent SDK's listSessions() as an oracle", () => {
  it("agrees on the real tools' files, and names the SDK's fork", async () => {
    const home = join(base, "fixtures")
    cpSync(fixtureHome, home, { recursive: true })
    const sdk = await sdkList(home)
    // the live SDK says what it said when the fixtures were recorded
    const recorded = JSON.parse(readFileSync(join(fixtureHome, "..", "list-sessions.json"), "utf8"))
    expect(
      sdk
        .map(({ sessionId, customTitle, tag, cwd }) => ({ sessionId, customTitle, tag, cwd }))
        .sort((a, b) => (a.sessionId < b.sessionId ? -1 : 1))
    ).toEqual(recorded.map(({ sessionId, customTitle, tag, cwd }: SdkRow) => ({ sessionId, customTitle, tag, cwd })))
    const rows = await ours(home)
    expect(differences(sdk, rows)).toEqual([])
    const fork = rows.find((r) => r.latestClaudeSessionId === "b4b27057-4f93-4150-8ce7-ea81f2d0d396")
    expect(fork?.forkedFrom?.claudeSessionId).toBe("c7adff14-cb29-48b9-bfcb-692e562fc230")
  })

  it("agrees on a session that ran a subagent: one row, the subagent's transcript not a session", async () => {
    const home = join(base, "subagents")
    cpSync(join(root, "fixtures/subagents-2.1.332/claude-home"), home, { recursive: true })
    const sdk = await sdkList(home)
    expect(sdk.map((s) => s.sessionId)).toEqual(["af13c06f-a55f-433e-94d6-a34a452e2b63"])
    const rows = await ours(home)
    expect(differences(sdk, rows)).toEqual([])
    expect(rows).toHaveLength(1)
  })

  // a Claude home as 2.1.332 and the SDK write it: sessions with a first prompt and a branch,
  // some renamed or tagged (set, changed, cleared), some forked by the SDK
  const sessionArb = fc.record({
    cwd: fc.constantFrom("/srv/w/a", "/srv/w/b", "/srv/w/a.worktrees/x"),
    branch: fc.constantFrom("main", "feature/x", "HEAD"),
    laterBranch: fc.option(fc.constantFrom("main", "fix-1"), { nil: undefined }),
    prompt: fc.stringMatching(/^[a-z][a-z ]{0,30}[a-z]$/),
    titles: fc.array(fc.stringMatching(/^[A-Za-z][A-Za-z0-9 ]{0,20}$/), { maxLength: 2 }),
    tags: fc.array(fc.oneof(fc.constantFrom("wip", "done"), fc.constant("")), { maxLength: 2 }),
    forked: fc.boolean(),
    // the SDK's archive mark: after the last message (archived), or before it (a prompt since)
    mark: fc.option(fc.constantFrom("after", "before", "unarchived"), { nil: undefined })
  })
  it("agrees on generated Claude homes", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(sessionArb, { minLength: 1, maxLength: 6 }),
        fc.nat(1_000_000),
        async (sessions, seed) => {
          const home = join(base, `gen-${++homes}`)
          const uuid = (n: number) =>
            `${(seed + n).toString(16).padStart(8, "0").slice(-8)}-0000-4000-8000-${n.toString(16).padStart(12, "0")}`
          let n = 0
          let at = Date.parse("2026-11-30T10:00:00.000Z")
          const stamp = () => {
            at += 1000
            return new Date(at).toISOString()
          }
          for (const [i, s] of sessions.entries()) {
            const id = uuid(++n)
            const folder = join(home, "projects", s.cwd.replace(/[^a-zA-Z0-9]/g, "-"))
            mkdirSync(folder, { recursive: true })
            const message = (
              sessionId: string,
              type: "user" | "assistant",
              uuid: string,
              parent: string | null,
              extra = {}
            ) =>
              JSON.stringify({
                parentUuid: parent,
                isSidechain: false,
                type,
                message:
                  type === "user"
                    ? { role: "user", content: s.prompt }
                    : { role: "assistant", content: [{ type: "text", text: "reply" }] },
                uuid,
                timestamp: stamp(),
                entrypoint: "cli",
                cwd: s.cwd,
                sessionId,
                version: "2.1.332",
                gitBranch: s.branch,
                ...extra
              })
            const u1 = `${id.slice(0, 8)}-1111-4000-8000-${String(i).padStart(12, "0")}`
            const u2 = `${id.slice(0, 8)}-2222-4000-8000-${String(i).padStart(12, "0")}`
            const lines = [message(id, "user", u1, null), message(id, "assistant", u2, u1)]
            if (s.laterBranch !== undefined)
              lines.push(
                message(id, "user", `${id.slice(0, 8)}-3333-4000-8000-${String(i).padStart(12, "0")}`, u2, {
                  gitBranch: s.laterBranch
                })
              )
            for (const title of s.titles)
              lines.push(JSON.stringify({ type: "custom-title", customTitle: title, sessionId: id }))
            for (const tag of s.tags) lines.push(JSON.stringify({ type: "tag", tag, sessionId: id }))
            writeFileSync(join(folder, `${id}.jsonl`), `${lines.join("\n")}\n`)
            if (s.mark !== undefined) {
              mkdirSync(join(folder, id), { recursive: true })
              const markAt = s.mark === "before" ? "2026-01-01T00:00:00.000Z" : stamp()
              writeFileSync(
                join(folder, id, "archived.json"),
                JSON.stringify({ archived: s.mark !== "unarchived", at: markAt, by: "sdk" })
              )
            }
            if (s.forked) {
              const fork = uuid(++n)
              const f1 = `${fork.slice(0, 8)}-1111-4000-8000-${String(i).padStart(12, "0")}`
              const f2 = `${fork.slice(0, 8)}-2222-4000-8000-${String(i).padStart(12, "0")}`
              const from = (m: string) => ({ forkedFrom: { sessionId: id, messageUuid: m } })
              writeFileSync(
                join(folder, `${fork}.jsonl`),
                `${[message(fork, "user", f1, null, from(u1)), message(fork, "assistant", f2, f1, from(u2))].join("\n")}\n`
              )
            }
          }
          const sdk = await sdkList(home)
          expect(sdk.length).toBe(n)
          expect(differences(sdk, await ours(home))).toEqual([])
        }
      ),
      { numRuns: 12 }
    )
  })
})

describe("cc-session rename, tag and archive, read back by the SDK", () => {
  it("writes what renameSession, tagSession and archiveSession write: the SDK and ls --all agree after each", async () => {
    const home = join(base, "marks")
    cpSync(fixtureHome, home, { recursive: true })
    const id = "6ce6d571-408f-468d-a881-54e3bdf92889"
    const store = join(base, "marks-store")
    const run = async (...args: Array<string>) => {
      const r = await runProcess(
        process.execPath,
        [cliPath, "--store", store, "--claude-home", home, "--json", ...args],
        {
          env: { ...process.env, CLAUDE_CONFIG_DIR: home }
        }
      )
      expect(r.code, r.stderr).toBe(0)
      return JSON.parse(r.stdout)
    }
    const sdkRow = async () => (await sdkList(home)).find((s) => s.sessionId === id)
    await run("rename", id, "  a better title ")
    expect((await sdkRow())?.customTitle).toBe("a better title")
    await run("tag", "a better title", "urgent")
    expect((await sdkRow())?.tag).toBe("urgent")
    await run("tag", id, "--clear")
    expect((await sdkRow())?.tag).toBeUndefined()
    await run("archive", id)
    expect((await sdkRow())?.archived).toBe(true)
    const hidden = await run("ls", "--all")
    expect(hidden.some((r: OurRow) => r.latestClaudeSessionId === id)).toBe(false)
    await run("unarchive", id)
    expect((await sdkRow())?.archived).toBe(false)
    expect(differences(await sdkList(home), await ours(home))).toEqual([])
  })
})

describe("the project folder of a cwd, as the SDK looks for it", () => {
  it("is projectFolderName's: every other character a dash, a long one cut and hashed, an override honoured", async () => {
    const { projectFolderName } = await import("@cc/sources")
    const home = join(base, "folder-names")
    const cwds = [
      join(base, "plain"),
      join(base, "with space_and.dots-and ünïcode"),
      join(
        base,
        "long",
        ..."directory-name-that-goes-on"
          .repeat(3)
          .split("-")
          .map((w, i) => `${w}${i}xxxxxxxxxx`)
      )
    ]
    expect(cwds[2]?.length).toBeGreaterThan(200)
    const found = async (cwd: string, env: Record<string, string>) => {
      const id = `${String(Object.keys(env).length)}${"0".repeat(7)}-1111-4111-8111-${String(cwds.indexOf(cwd)).padStart(12, "0")}`
      const folder = join(home, "projects", projectFolderName(cwd, { ...env, CLAUDE_CONFIG_DIR: home }))
      mkdirSync(folder, { recursive: true })
      writeFileSync(
        join(folder, `${id}.jsonl`),
        `${JSON.stringify({ type: "user", uuid: "aaaaaaaa-1111-4111-8111-111111111111", parentUuid: null, sessionId: id, cwd, timestamp: "2026-11-30T10:00:00.000Z", message: { role: "user", content: "hello" } })}\n`
      )
      const saved = { ...process.env }
      Object.assign(process.env, env, { CLAUDE_CONFIG_DIR: home })
      try {
        return (await listSessions({ dir: cwd, includeWorktrees: false })).some((s) => s.sessionId === id)
      } finally {
        for (const key of Object.keys(env)) if (saved[key] === undefined) delete process.env[key]
        process.env.CLAUDE_CONFIG_DIR = saved.CLAUDE_CONFIG_DIR ?? ""
        if (saved.CLAUDE_CONFIG_DIR === undefined) delete process.env.CLAUDE_CONFIG_DIR
      }
    }
    for (const cwd of cwds) {
      mkdirSync(cwd, { recursive: true })
      expect(await found(cwd, {}), cwd).toBe(true)
    }
    expect(await found(cwds[0] ?? "", { CLAUDE_CODE_PROJECT_DIR_NAME: "shared_folder-1" })).toBe(true)
  })
})
