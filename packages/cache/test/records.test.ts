/**
 * Claude's and the SDK's records in the index (issue 20): a rename, tag or clear appended after
 * the index was built is seen by the next refresh, however far from the end of the file it is
 * by then (appended bytes are read line by line, not only the tail), and a reopened index
 * keeps what it knew.
 */
import { appendFileSync, cpSync, mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { sessionTitle } from "@cc/sources"
import fc from "fast-check"
import { afterAll, describe, expect, it } from "vitest"
import { isArchived, TranscriptCache } from "../src/index.js"

const fixtureHome = resolve(import.meta.dirname, "../../../fixtures/records-2.1.332/claude-home")
const base = mkdtempSync(join(tmpdir(), "cc-cache-records-"))
afterAll(() => rmSync(base, { recursive: true, force: true }))
const ID = "c7adff14-cb29-48b9-bfcb-692e562fc230"
let n = 0

describe("records in the transcript index", () => {
  it("a refresh sees each record appended since, in order, though later messages push it out of the tail", async () => {
    const step = fc.oneof(
      fc.stringMatching(/^[a-z]{1,8}$/).map((t) => ({ type: "custom-title" as const, customTitle: t, sessionId: ID })),
      fc.constantFrom("x", "y", "").map((t) => ({ type: "tag" as const, tag: t, sessionId: ID })),
      fc.nat(40).map((k) => ({ messages: k }))
    )
    await fc.assert(
      fc.asyncProperty(fc.array(fc.array(step, { maxLength: 4 }), { minLength: 1, maxLength: 4 }), async (rounds) => {
        const home = join(base, `h${++n}`)
        cpSync(fixtureHome, home, { recursive: true })
        const file = join(base, `index-${n}.json`)
        const path = join(home, "projects", "-srv-cc-fixtures-app", `${ID}.jsonl`)
        let title: string | undefined = "renamed by the sdk"
        let tag: string | null | undefined = "wip"
        const cache = await TranscriptCache.open({ roots: [home], file })
        await cache.refresh()
        for (const round of rounds) {
          for (const s of round) {
            if ("messages" in s) {
              const line = JSON.stringify({
                type: "assistant",
                uuid: `m-${n}`,
                timestamp: "2026-12-01T13:00:00.000Z",
                message: { content: "x".repeat(400) }
              })
              appendFileSync(path, `${`${line}\n`.repeat(s.messages)}`)
            } else {
              appendFileSync(path, `${JSON.stringify(s)}\n`)
              if ("customTitle" in s) title = s.customTitle
              else tag = s.tag === "" ? null : s.tag
            }
          }
          await cache.refresh()
          const t = cache.byClaudeId(ID as never)
          expect(t === undefined ? undefined : sessionTitle(t.records)).toBe(title)
          expect(t?.records.tag).toBe(tag)
        }
        // a new process opening the saved index knows the same
        const reopened = await TranscriptCache.open({ roots: [home], file })
        await reopened.refresh()
        expect(reopened.byClaudeId(ID as never)?.records.tag).toBe(tag)
      }),
      { numRuns: 15 }
    )
  })
})

describe("the SDK's archive mark in the index", () => {
  it("a refresh sees a mark written, changed or removed while the transcript stays as it was", async () => {
    const home = join(base, "archive")
    cpSync(fixtureHome, home, { recursive: true })
    const folder = join(home, "projects", "-srv-cc-fixtures-app")
    const file = join(base, "index-archive.json")
    const cache = await TranscriptCache.open({ roots: [home], file })
    await cache.refresh()
    const archived = (id: string) => {
      const t = cache.byClaudeId(id as never)
      return t === undefined ? "missing" : isArchived(t)
    }
    expect(archived("98edcbd7-5274-4954-9ce5-cd6a1ee8ae1e")).toBe(true)
    expect(archived(ID)).toBeUndefined()
    mkdirSync(join(folder, ID), { recursive: true })
    const mark = join(folder, ID, "archived.json")
    writeFileSync(mark, JSON.stringify({ archived: true, at: "2099-01-01T00:00:00.000Z", by: "sdk" }))
    await cache.refresh()
    expect(archived(ID)).toBe(true)
    // unarchived: the same file rewritten (another mtime)
    writeFileSync(mark, JSON.stringify({ archived: false, at: "2099-01-02T00:00:00.000Z", by: "sdk" }))
    utimesSync(mark, new Date(), new Date(Date.now() + 5000))
    await cache.refresh()
    expect(archived(ID)).toBe(false)
    rmSync(mark)
    await cache.refresh()
    expect(archived(ID)).toBeUndefined()
    // a damaged mark is no mark, said once, and not read again while it stays as it is
    writeFileSync(mark, "{not json")
    await cache.refresh()
    expect(archived(ID)).toBeUndefined()
    const reopened = await TranscriptCache.open({ roots: [home], file })
    const again = await reopened.refresh()
    expect(again.stats.unchanged).toBe(again.stats.files)
  })

  it("counts a session's subagents as they come and go, and a reopened index keeps the count", async () => {
    const home = join(base, "subagents")
    cpSync(fixtureHome, home, { recursive: true })
    const folder = join(home, "projects", "-srv-cc-fixtures-app")
    const file = join(base, "index-subagents.json")
    const cache = await TranscriptCache.open({ roots: [home], file })
    await cache.refresh()
    const count = (c: TranscriptCache) => c.byClaudeId(ID as never)?.subagents?.count ?? 0
    expect(count(cache)).toBe(0)
    const agents = join(folder, ID, "subagents")
    mkdirSync(agents, { recursive: true })
    const agent = (name: string) =>
      writeFileSync(join(agents, name), `${JSON.stringify({ type: "user", isSidechain: true, sessionId: ID })}\n`)
    agent("agent-a1.jsonl")
    agent("agent-b2.jsonl")
    // not a subagent transcript: left out, as the SDK's reader leaves it
    agent("notes.txt")
    // the folder's mtime is its stamp: make sure it moved whatever the clock's grain
    utimesSync(agents, new Date(), new Date(Date.now() + 5000))
    expect((await cache.refresh()).stats.marked).toBe(1)
    expect(count(cache)).toBe(2)
    agent("agent-c3.jsonl")
    utimesSync(agents, new Date(), new Date(Date.now() + 10000))
    await cache.refresh()
    expect(count(cache)).toBe(3)
    const reopened = await TranscriptCache.open({ roots: [home], file })
    const again = await reopened.refresh()
    expect(again.stats.unchanged).toBe(again.stats.files)
    expect(count(reopened)).toBe(3)
    rmSync(agents, { recursive: true })
    await cache.refresh()
    expect(count(cache)).toBe(0)
  })
})
