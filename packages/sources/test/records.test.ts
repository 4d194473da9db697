/**
 * The records Claude Code 2.1.332 and the Agent SDK write beside a session's messages: read
 * from the real tools' files (fixtures/records-2.1.332), and by property over generated ones.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import * as Exit from "effect/Exit"
import * as Schema from "effect/Schema"
import fc from "fast-check"
import { afterAll, describe, expect, it } from "vitest"
import {
  applyRecord,
  applyRecordText,
  collectPromise,
  type LinkFound,
  mergeRecords,
  noRecords,
  readTranscriptEntry,
  readTranscriptTail,
  type SessionFound,
  SessionRecords,
  searchMatcher,
  searchTranscript,
  searchTranscriptRange,
  sessionTitle,
  type TranscriptMark,
  transcriptsPromiseSource,
  writeMark
} from "../src/index.js"

const fixtures = resolve(import.meta.dirname, "../../../fixtures/records-2.1.332/claude-home")
const app = join(fixtures, "projects", "-srv-cc-fixtures-app")
const NAMED = "6ce6d571-408f-468d-a881-54e3bdf92889"
const RENAMED = "c7adff14-cb29-48b9-bfcb-692e562fc230"
const FORK = "b4b27057-4f93-4150-8ce7-ea81f2d0d396"
const CLEARED = "98edcbd7-5274-4954-9ce5-cd6a1ee8ae1e"
const SDK = "8ad3252f-f678-4127-9341-0a5e67b33f2e"

const entry = async (folder: string, id: string) => {
  const read = await readTranscriptEntry(join(folder, `${id}.jsonl`), folder, id as never)
  if (read.entry === undefined) throw new Error(`${id} not read`)
  return read.entry
}

describe("records written by the real CLI 2.1.332 and SDK 0.3.332", () => {
  it("reads -n's title, the SDK's rename and tag, a cleared tag, and each session's entrypoint", async () => {
    const named = await entry(app, NAMED)
    expect(named.records).toMatchObject({ customTitle: "my named session", agentName: "my named session" })
    expect(named.records.entrypoint).toBe("sdk-cli")
    expect(named.head.firstPrompt).toBe("named: first prompt")
    const renamed = await entry(app, RENAMED)
    expect(sessionTitle(renamed.records)).toBe("renamed by the sdk")
    expect(renamed.records.tag).toBe("wip")
    // tagSession(id, null) appends an empty tag: cleared, over the earlier one
    expect((await entry(app, CLEARED)).records.tag).toBeNull()
    const sdk = await entry(join(fixtures, "projects", "-srv-cc-fixtures-sdk-app"), SDK)
    expect(sdk.records.entrypoint).toBe("sdk-ts")
    expect(sessionTitle(sdk.records, sdk.head.firstPrompt)).toBe("sdk: first prompt")
  })

  it("links the SDK's fork to its parent by forkedFrom, though every message uuid is fresh", async () => {
    const fork = await entry(app, FORK)
    expect(fork.records.forkedFrom?.sessionId).toBe(RENAMED)
    const found = await collectPromise(transcriptsPromiseSource({ roots: [fixtures] }))
    const links = found.filter((d): d is LinkFound => d._tag === "LinkFound").map((l) => `${l.from}>${l.to}:${l.kind}`)
    expect(links).toEqual([`${RENAMED}>${FORK}:fork`])
    expect(found.filter((d): d is SessionFound => d._tag === "SessionFound")).toHaveLength(5)
  })
})

const decodeRecords = Schema.decodeUnknownExit(SessionRecords)
const titleArb = fc
  .string({ minLength: 1, maxLength: 30 })
  // any text a title may be: control characters included (kept, escaped only for a terminal)
  .filter((s) => s !== "")
const id = "11111111-2222-4333-8444-555555555555"
const recordArb = fc.oneof(
  titleArb.map((t) => ({ type: "custom-title", customTitle: t, sessionId: id })),
  titleArb.map((t) => ({ type: "agent-name", agentName: t, sessionId: id })),
  titleArb.map((t) => ({ type: "ai-title", aiTitle: t, sessionId: id })),
  fc.oneof(titleArb, fc.constant("")).map((t) => ({ type: "tag", tag: t, sessionId: id })),
  fc.constant({ type: "relocated", relocatedCwd: "/srv/moved", sessionId: id }),
  fc.constant({ type: "continued-in", continuedInSessionId: "99999999-2222-4333-8444-555555555555", sessionId: id }),
  fc.nat(9999).map((n) => ({
    type: "pr-link",
    prNumber: n,
    prUrl: `https://example.test/pr/${n}`,
    prRepository: "o/r",
    sessionId: id
  }))
)
const lastOf = <A>(xs: ReadonlyArray<A>, f: (x: A) => boolean): A | undefined => [...xs].reverse().find(f)

const dir = mkdtempSync(join(tmpdir(), "cc-records-"))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe("the records, by property", () => {
  it("each record type is last-wins in file order; an empty tag clears", () => {
    fc.assert(
      fc.property(fc.array(recordArb, { maxLength: 20 }), (records) => {
        const got = records.reduce((r, line) => applyRecordText(r, JSON.stringify(line)), noRecords)
        const title = lastOf(records, (r) => r.type === "custom-title") as { customTitle: string } | undefined
        const tag = lastOf(records, (r) => r.type === "tag") as { tag: string } | undefined
        expect(got.customTitle).toBe(title?.customTitle)
        expect(got.tag).toBe(tag === undefined ? undefined : tag.tag === "" ? null : tag.tag)
        expect(Exit.isSuccess(decodeRecords(got))).toBe(true)
      })
    )
  })

  it("what a later part of the file says wins: merge(read(a), read(b)) = read(a ++ b)", () => {
    fc.assert(
      fc.property(fc.array(recordArb, { maxLength: 10 }), fc.array(recordArb, { maxLength: 10 }), (a, b) => {
        const read = (lines: ReadonlyArray<object>) => lines.reduce((r, line) => applyRecord(r, line), noRecords)
        expect(mergeRecords(read(a), read(b))).toEqual(read([...a, ...b]))
      })
    )
  })

  it("never throws and never takes a hostile line for a record", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.json(),
          recordArb.map((r) => JSON.stringify(r).slice(0, -3))
        ),
        (text) => {
          const got = applyRecordText(noRecords, text)
          expect(Exit.isSuccess(decodeRecords(got))).toBe(true)
        }
      )
    )
  })

  it("the tail's byte scan finds the records a line-by-line read finds", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.oneof(recordArb, fc.constant(undefined)), { maxLength: 12 }), async (lines) => {
        const message = (n: number) =>
          JSON.stringify({
            type: "user",
            uuid: `u-${n}`,
            timestamp: "2026-12-01T00:00:00.000Z",
            gitBranch: `b${n}`,
            message: { role: "user", content: `p${n}` }
          })
        const text = lines.map((l, n) => (l === undefined ? message(n) : JSON.stringify(l))).join("\n")
        const path = join(dir, "t.jsonl")
        writeFileSync(path, `${text}\n`)
        const tail = await readTranscriptTail(path)
        const { lastGitBranch: _b, ...records } = tail.records
        expect(records).toEqual(
          lines.flatMap((l) => (l === undefined ? [] : [l])).reduce((r, l) => applyRecord(r, l), noRecords)
        )
      }),
      { numRuns: 50 }
    )
  })
})

describe("searching a conversation, by property", () => {
  const textArb = fc.string({ unit: "grapheme", minLength: 1, maxLength: 12 })
  it("a line holding the text (in any case, escaped as JSON writes it) always passes the raw test and is found", () => {
    fc.assert(
      fc.property(
        fc.string({ unit: "grapheme", maxLength: 20 }),
        textArb,
        fc.string({ unit: "grapheme", maxLength: 20 }),
        fc.boolean(),
        (before, text, after, upper) => {
          const content = `${before}${upper ? text.toUpperCase() : text}${after}`
          const matcher = searchMatcher(text)
          const line = JSON.stringify({ type: "user", uuid: "u", message: { role: "user", content } })
          // toUpperCase can change a string's length or letters beyond case folding: only where it does not
          fc.pre(content.toLowerCase().includes(text.toLowerCase()))
          expect(matcher.mayMatch(line)).toBe(true)
          expect(matcher.find(content)).toBeDefined()
        }
      )
    )
  })

  it("finds nothing in a conversation that does not hold the text, and never matches tool results or metadata", async () => {
    const path = join(dir, "search.jsonl")
    writeFileSync(
      path,
      `${[
        JSON.stringify({
          type: "user",
          uuid: "1",
          timestamp: "2026-12-01T00:00:01.000Z",
          message: { role: "user", content: [{ type: "tool_result", content: "needle in a tool" }] }
        }),
        JSON.stringify({ type: "attachment", attachment: { text: "needle in an attachment" } }),
        JSON.stringify({
          type: "assistant",
          uuid: "2",
          timestamp: "2026-12-01T00:00:02.000Z",
          message: { role: "assistant", content: [{ type: "text", text: 'a "quoted"\nNeedle here' }] }
        })
      ].join("\n")}\n`
    )
    const hits = await searchTranscript(path, searchMatcher("needle"))
    expect(hits).toEqual([
      { timestamp: "2026-12-01T00:00:02.000Z", role: "assistant", snippet: 'a "quoted"\nNeedle here' }
    ])
    expect(await searchTranscript(path, searchMatcher("haystack"))).toEqual([])
    expect(await searchTranscript(path, searchMatcher('"quoted"\nneedle'))).toHaveLength(1)
    expect(await searchTranscript(path, searchMatcher("quot.d", { regex: true }))).toHaveLength(1)
  })

  it("the byte search finds what the line-by-line search finds, wherever the reads cut the lines", async () => {
    // words with the text in other cases, escaped, beside characters Unicode folds to its letters
    const piece = fc.constantFrom(
      "needle",
      "NeEdLe",
      "\u212Aeys",
      "\u017Fk",
      "ks",
      '"q"',
      "\\",
      "é",
      "✓",
      " ",
      "\n",
      "x"
    )
    const lineArb = fc.record({
      type: fc.constantFrom("user", "assistant", "attachment"),
      sidechain: fc.boolean(),
      tool: fc.boolean(),
      text: fc.array(piece, { maxLength: 8 }).map((parts) => parts.join(""))
    })
    let files = 0
    await fc.assert(
      fc.asyncProperty(
        fc.array(lineArb, { maxLength: 12 }),
        fc.constantFrom("needle", "ks", "k", '"q"', "e\\", "NEEDLE"),
        fc.integer({ min: 1, max: 300 }),
        fc.boolean(),
        async (lines, text, chunkBytes, cutShort) => {
          const path = join(dir, `bytes-${++files}.jsonl`)
          const body = lines
            .map((l, i) =>
              JSON.stringify({
                type: l.type,
                uuid: `u${i}`,
                ...(l.sidechain ? { isSidechain: true } : {}),
                timestamp: `2026-12-01T00:00:${String(i).padStart(2, "0")}.000Z`,
                message: { role: l.type, content: l.tool ? [{ type: "tool_result", content: l.text }] : l.text }
              })
            )
            .join("\n")
          // a last line cut short (a writer mid-line) is no line yet, in either search
          writeFileSync(path, cutShort ? `${body}\n{"type":"user","message":{"content":"needle` : `${body}\n`)
          const matcher = searchMatcher(text)
          expect(matcher.bytes).toBeDefined()
          const lineByLine = await searchTranscriptRange(
            path,
            { mayMatch: matcher.mayMatch, find: matcher.find },
            { chunkBytes }
          )
          expect(await searchTranscriptRange(path, matcher, { chunkBytes })).toEqual(lineByLine)
        }
      ),
      { numRuns: 200 }
    )
  })
})

describe("marks written by cc-session and @cc/agent-sdk", () => {
  const markArb: fc.Arbitrary<TranscriptMark> = fc.oneof(
    // a title no event could hold by chance (a short one might be any event's substring)
    fc.record({
      _tag: fc.constant("Title" as const),
      title: fc.stringMatching(/^[a-z]{1,10}$/).map((t) => `Ŧitle ${t}`)
    }),
    fc.record({ _tag: fc.constant("Tag" as const), tag: fc.option(fc.stringMatching(/^[a-z]{1,8}$/), { nil: null }) }),
    fc.record({ _tag: fc.constant("Archive" as const), archived: fc.boolean() })
  )
  const ID = "5b0e8d52-7f5e-4c3a-9d6e-2f8a1c4b7e90"
  const OWNER = "cc-session-5b0e8d52-7f5e-4c3a-9d6e-2f8a1c4b7e91"

  it("read back as the last of each, and recorded by one event of the owner's that never holds a title", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(markArb, { minLength: 1, maxLength: 6 }), fc.boolean(), async (marks, owned) => {
        const dir = mkdtempSync(join(tmpdir(), "cc-marks-"))
        try {
          const path = join(dir, `${ID}.jsonl`)
          // a transcript whose last line a writer cut short: each mark still goes on a line of its own
          writeFileSync(
            path,
            `${JSON.stringify({ type: "user", uuid: "u1", sessionId: ID, cwd: "/p", message: { role: "user", content: "hi" } })}\n{"type":"assis`
          )
          for (const mark of marks) {
            const { events, archiveMark } = writeMark(path, ID as never, mark, owned ? (OWNER as never) : undefined)
            expect(events.length).toBe(owned ? 1 : 0)
            const event = events[0]
            if (event !== undefined) {
              expect(event.session).toBe(OWNER)
              expect(event.type).toBe(
                { Title: "session.titled", Tag: "session.tagged", Archive: "session.archived" }[mark._tag]
              )
              if (mark._tag === "Title") expect(JSON.stringify(event)).not.toContain(mark.title)
              if (mark._tag === "Tag") expect(event.payload).toMatchObject({ claudeSessionId: ID, tag: mark.tag })
              if (mark._tag === "Archive") expect(event.payload).toEqual({ archived: mark.archived })
            }
            expect(archiveMark !== undefined).toBe(mark._tag === "Archive")
          }
          const { records } = await entry(dir, ID).then((e) => e)
          const lastTitle = marks.flatMap((m) => (m._tag === "Title" ? [m.title] : [])).at(-1)
          const tags = marks.flatMap((m) => (m._tag === "Tag" ? [m.tag] : []))
          expect(records.customTitle).toBe(lastTitle)
          if (tags.length > 0) expect(records.tag ?? null).toBe(tags.at(-1))
          const archived = marks.flatMap((m) => (m._tag === "Archive" ? [m.archived] : [])).at(-1)
          const markFile = join(dir, ID, "archived.json")
          expect(existsSync(markFile)).toBe(archived !== undefined)
          if (archived !== undefined) expect(JSON.parse(readFileSync(markFile, "utf8")).archived).toBe(archived)
        } finally {
          rmSync(dir, { recursive: true, force: true })
        }
      }),
      { numRuns: 60 }
    )
  })
})
