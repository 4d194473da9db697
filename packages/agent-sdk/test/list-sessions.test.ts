/**
 * The drop-in `listSessions()` against the SDK's own (0.3.332), in process (a differential
 * test): on the real tools' files and on generated Claude homes, every SDK row is in ours, with
 * the same fields, in the same order, through `limit`, `offset`, `dir` and
 * `includeProgrammatic`, modulo the documented rules (a chain is one row whose `sessionId` is
 * its latest member; `summary` without a title is the first prompt).
 */
import { execFileSync } from "node:child_process"
import { cpSync, mkdirSync, mkdtempSync, realpathSync, rmSync, utimesSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { listSessions as sdkListSessions } from "@anthropic-ai/claude-agent-sdk"
import * as Effect from "effect/Effect"
import fc from "fast-check"
import { afterAll, describe, expect, it } from "vitest"
import { type CcSessionInfo, closeSessions, getSessionInfo, listSessions, SessionsEffect } from "../src/index.js"

const root = resolve(import.meta.dirname, "../../..")
const base = mkdtempSync(join(tmpdir(), "cc-agent-sdk-list-"))
afterAll(async () => {
  await closeSessions()
  rmSync(base, { recursive: true, force: true })
})

type SdkRow = Awaited<ReturnType<typeof sdkListSessions>>[number]
type SdkOptions = NonNullable<Parameters<typeof sdkListSessions>[0]>

/** The SDK reads CLAUDE_CONFIG_DIR when it is called: one home at a time. */
const sdkList = async (home: string, options: SdkOptions = {}): Promise<Array<SdkRow>> => {
  const before = process.env.CLAUDE_CONFIG_DIR
  process.env.CLAUDE_CONFIG_DIR = home
  try {
    return await sdkListSessions(options)
  } finally {
    if (before === undefined) delete process.env.CLAUDE_CONFIG_DIR
    else process.env.CLAUDE_CONFIG_DIR = before
  }
}

let stores = 0
const oursFor = (home: string) => {
  const ccSession = { storeDir: join(base, `store-${++stores}`), claudeHomes: [home] }
  return (options: SdkOptions = {}) => listSessions({ ...options, ccSession })
}

const FIELDS = [
  "lastModified",
  "fileSize",
  "customTitle",
  "firstPrompt",
  "gitBranch",
  "cwd",
  "tag",
  "createdAt",
  "archived"
] as const

/** Every difference between the SDK's rows and ours that no documented rule explains. */
const differences = (sdk: ReadonlyArray<SdkRow>, ours: ReadonlyArray<CcSessionInfo>): Array<string> => {
  const out: Array<string> = []
  for (const s of sdk) {
    const row = ours.find((r) => r.claudeSessionIds.includes(s.sessionId))
    if (row === undefined) {
      out.push(`${s.sessionId}: not listed`)
      continue
    }
    const own = row.claudeSessionIds.length === 1
    const same = (what: string, got: unknown, want: unknown) => {
      if (got !== want) out.push(`${s.sessionId}: ${what} ${JSON.stringify(got)}, the SDK says ${JSON.stringify(want)}`)
    }
    same("cwd", row.cwd, s.cwd)
    if (own) {
      same("sessionId", row.sessionId, s.sessionId)
      for (const field of FIELDS) same(field, row[field], s[field])
      if (s.customTitle !== undefined) same("summary", row.summary, s.summary)
      else same("summary", row.summary, s.firstPrompt)
    } else if (row.sessionId === s.sessionId) {
      for (const field of ["gitBranch", "tag", "archived", "customTitle"] as const) same(field, row[field], s[field])
    }
  }
  for (const row of ours)
    if (!row.claudeSessionIds.some((id) => sdk.some((s) => s.sessionId === id)))
      out.push(`${row.sessionId}: listed, the SDK lists none of ${row.claudeSessionIds.join(", ")}`)
  return out
}

/** With no chain among them, the SDK's rows and ours are the same sessions in the same order. */
const sameOrder = (sdk: ReadonlyArray<SdkRow>, ours: ReadonlyArray<CcSessionInfo>) =>
  expect(ours.map((r) => r.sessionId)).toEqual(sdk.map((s) => s.sessionId))

describe("listSessions(), the SDK's and @cc/agent-sdk's (a differential test)", () => {
  it("agrees on the real tools' files: 2.1.332 and the SDK's records, subagents, the 1.0.30 chain as one row", async () => {
    for (const fixture of ["records-2.1.332", "subagents-2.1.332", "real-cli"]) {
      const home = join(base, fixture)
      cpSync(join(root, "fixtures", fixture, "claude-home"), home, { recursive: true })
      const ours = oursFor(home)
      const sdk = await sdkList(home)
      const rows = await ours()
      expect(differences(sdk, rows), fixture).toEqual([])
      if (fixture === "real-cli") {
        // the 1.0.30 resume chain: three SDK rows, one of ours holding all three
        const chain = rows.find((r) => r.claudeSessionIds.length === 3)
        expect(chain?.claudeSessionIds.every((id) => sdk.some((s) => s.sessionId === id))).toBe(true)
      } else sameOrder(sdk, rows)
      // any member of a chain, its stable id or its label finds its row
      for (const row of rows)
        for (const id of row.claudeSessionIds)
          expect(
            await getSessionInfo(id, { ccSession: { storeDir: join(base, `store-${stores}`), claudeHomes: [home] } })
          ).toEqual(row)
    }
  })

  it("as Effects: rows, and the typed errors in the error channel", async () => {
    const home = join(base, "effect")
    cpSync(join(root, "fixtures", "records-2.1.332", "claude-home"), home, { recursive: true })
    const ccSession = { storeDir: join(base, `store-${++stores}`), claudeHomes: [home] }
    const rows = await Effect.runPromise(SessionsEffect.listSessions({ ccSession }))
    expect(rows).toEqual(await listSessions({ ccSession }))
    // a failure, not a defect: flipped, it is the error itself
    const error = await Effect.runPromise(
      Effect.flip(SessionsEffect.renameSession("no-such-session", "t", { ccSession }))
    )
    expect(error._tag).toBe("SessionNotHere")
  })

  it("lists a directory's git worktrees with it, unless includeWorktrees is false, as the SDK does", async () => {
    const world = realpathSync(mkdtempSync(join(base, "git-")))
    const repo = join(world, "repo")
    const tree = join(world, "repo-tree")
    const other = join(world, "other")
    mkdirSync(repo)
    mkdirSync(other)
    const git = (...args: Array<string>) =>
      execFileSync("git", ["-c", "user.email=t@t", "-c", "user.name=t", "-C", repo, ...args], { stdio: "ignore" })
    git("init", "-q")
    git("commit", "-q", "--allow-empty", "-m", "first")
    git("worktree", "add", "-q", tree)
    const home = join(world, "claude")
    for (const [n, cwd] of [repo, tree, other].entries()) {
      const id = `0000000${n}-0000-4000-8000-00000000000${n}`
      const folder = join(home, "projects", cwd.replace(/[^a-zA-Z0-9]/g, "-"))
      mkdirSync(folder, { recursive: true })
      const line = {
        type: "user",
        uuid: `0000000${n}-1111-4000-8000-00000000000${n}`,
        parentUuid: null,
        sessionId: id,
        cwd
      }
      writeFileSync(
        join(folder, `${id}.jsonl`),
        `${JSON.stringify({ ...line, timestamp: "2026-11-30T10:00:00.000Z", message: { role: "user", content: `in ${n}` } })}\n`
      )
    }
    const ours = oursFor(home)
    for (const includeWorktrees of [undefined, false]) {
      const options = { dir: repo, ...(includeWorktrees === undefined ? {} : { includeWorktrees }) }
      const sdk = await sdkList(home, options)
      expect(sdk.length).toBe(includeWorktrees === false ? 1 : 2)
      sameOrder(sdk, await ours(options))
    }
  })

  const sessionArb = fc.record({
    dir: fc.constantFrom("a", "b", "a-worktree"),
    branch: fc.constantFrom("main", "feature/x"),
    laterBranch: fc.option(fc.constantFrom("main", "fix-1"), { nil: undefined }),
    prompt: fc.stringMatching(/^[a-z][a-z ]{0,30}[a-z]$/),
    titles: fc.array(fc.stringMatching(/^[A-Za-z][A-Za-z0-9 ]{0,20}$/), { maxLength: 2 }),
    aiTitle: fc.option(fc.stringMatching(/^[A-Z][a-z ]{0,20}[a-z]$/), { nil: undefined }),
    tags: fc.array(fc.oneof(fc.constantFrom("wip", "done"), fc.constant("")), { maxLength: 2 }),
    entrypoint: fc.constantFrom("cli", "sdk-ts", "sdk-py"),
    mark: fc.option(fc.constantFrom("archived", "unarchived"), { nil: undefined }),
    /** Seconds since the first: ties are broken by id, as the SDK breaks them. */
    mtime: fc.nat(20)
  })
  const pageArb = fc.record({
    limit: fc.option(fc.nat(6), { nil: undefined }),
    offset: fc.option(fc.nat(6), { nil: undefined }),
    includeProgrammatic: fc.option(fc.boolean(), { nil: undefined }),
    dir: fc.option(fc.constantFrom("a", "b"), { nil: undefined })
  })

  it("agrees on generated Claude homes, through limit, offset, dir and includeProgrammatic", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(sessionArb, { minLength: 1, maxLength: 7 }),
        fc.array(pageArb, { minLength: 1, maxLength: 4 }),
        fc.nat(1_000_000),
        async (sessions, pages, seed) => {
          const world = join(base, `gen-${++stores}`)
          const home = join(world, "claude")
          const dirs = { a: join(world, "a"), b: join(world, "b"), "a-worktree": join(world, "a-worktree") }
          for (const d of Object.values(dirs)) mkdirSync(d, { recursive: true })
          const uuid = (n: number) =>
            `${(seed + n).toString(16).padStart(8, "0").slice(-8)}-0000-4000-8000-${n.toString(16).padStart(12, "0")}`
          for (const [i, s] of sessions.entries()) {
            const id = uuid(i + 1)
            const cwd = dirs[s.dir]
            const folder = join(home, "projects", cwd.replace(/[^a-zA-Z0-9]/g, "-"))
            mkdirSync(folder, { recursive: true })
            const at = (k: number) => new Date(Date.parse("2026-11-30T10:00:00.000Z") + i * 10_000 + k).toISOString()
            const message = (type: "user" | "assistant", u: string, parent: string | null, k: number, extra = {}) =>
              JSON.stringify({
                parentUuid: parent,
                isSidechain: false,
                type,
                message:
                  type === "user"
                    ? { role: "user", content: s.prompt }
                    : { role: "assistant", content: [{ type: "text", text: "reply" }] },
                uuid: u,
                timestamp: at(k),
                entrypoint: s.entrypoint,
                cwd,
                sessionId: id,
                version: "2.1.332",
                gitBranch: s.branch,
                ...extra
              })
            const u = (k: number) => `${id.slice(0, 8)}-${k}${k}${k}${k}-4000-8000-${String(i).padStart(12, "0")}`
            const lines = [message("user", u(1), null, 1), message("assistant", u(2), u(1), 2)]
            if (s.laterBranch !== undefined) lines.push(message("user", u(3), u(2), 3, { gitBranch: s.laterBranch }))
            if (s.aiTitle !== undefined)
              lines.push(JSON.stringify({ type: "ai-title", aiTitle: s.aiTitle, sessionId: id }))
            for (const title of s.titles)
              lines.push(JSON.stringify({ type: "custom-title", customTitle: title, sessionId: id }))
            for (const tag of s.tags) lines.push(JSON.stringify({ type: "tag", tag, sessionId: id }))
            const file = join(folder, `${id}.jsonl`)
            writeFileSync(file, `${lines.join("\n")}\n`)
            if (s.mark !== undefined) {
              mkdirSync(join(folder, id), { recursive: true })
              writeFileSync(
                join(folder, id, "archived.json"),
                JSON.stringify({ archived: s.mark === "archived", at: at(9), by: "sdk" })
              )
            }
            const mtime = new Date(Date.parse("2026-11-30T12:00:00.000Z") + s.mtime * 1000)
            utimesSync(file, mtime, mtime)
          }
          const ours = oursFor(home)
          const all = await sdkList(home)
          expect(differences(all, await ours())).toEqual([])
          sameOrder(all, await ours())
          for (const page of pages) {
            const options: SdkOptions = {
              ...(page.limit === undefined ? {} : { limit: page.limit }),
              ...(page.offset === undefined ? {} : { offset: page.offset }),
              ...(page.includeProgrammatic === undefined ? {} : { includeProgrammatic: page.includeProgrammatic }),
              ...(page.dir === undefined ? {} : { dir: dirs[page.dir], includeWorktrees: false })
            }
            sameOrder(await sdkList(home, options), await ours(options))
          }
        }
      ),
      { numRuns: 15 }
    )
  })
})
