/**
 * The file store's session index: whatever happened to the index file (cut anywhere, garbage,
 * a write cut short, another log's index, none at all), `readSessions` answers exactly what a
 * whole read kept to those sessions answers.
 */
import { appendFileSync, existsSync, readFileSync, statSync, truncateSync, writeFileSync } from "node:fs"
import { mkdtemp, rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import fc from "fast-check"
import { afterEach, beforeEach, describe, expect, it } from "vitest"
import { claudeIdArb, eventListArb, stableIdArb } from "../src/arbitraries.js"
import {
  EVENTS_FILE,
  type EventLog,
  encodeEventLine,
  makeEvent,
  openEventLog,
  SESSION_INDEX_FILE,
  type SessionEvent,
  type SessionQuery,
  type StableId,
  selectSessions
} from "../src/index.js"

let dir: string
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "cc-events-index-"))
})
afterEach(async () => {
  await rm(dir, { recursive: true, force: true })
})

const lines = (r: { events: ReadonlyArray<{ event: Parameters<typeof encodeEventLine>[0]; offset: number }> }) =>
  r.events.map((s) => `${s.offset} ${encodeEventLine(s.event)}`)

const agrees = async (log: EventLog, query: SessionQuery) => {
  const got = await log.readSessions(query)
  const whole = await log.read()
  expect(lines(got)).toEqual(lines(selectSessions(whole, query)))
  expect(got.nextOffset).toBe(whole.nextOffset)
  // the file store knows every skipped line, also those before the index's mark
  expect(got.diagnostics).toEqual(whole.diagnostics)
}

const queryArb: fc.Arbitrary<SessionQuery> = fc.record({
  sessions: fc.uniqueArray(stableIdArb(), { maxLength: 3 }),
  mentioning: fc.uniqueArray(claudeIdArb(), { maxLength: 3 })
})

type Damage =
  | { kind: "cut"; at: number }
  | { kind: "garbage"; text: string }
  | { kind: "torn"; keep: number }
  | { kind: "doubled" }
  | { kind: "removed" }
  | { kind: "stale" }

const damageArb: fc.Arbitrary<Damage> = fc.oneof(
  fc.record({ kind: fc.constant("cut" as const), at: fc.double({ min: 0, max: 1, noNaN: true }) }),
  fc.record({
    kind: fc.constant("garbage" as const),
    text: fc.string({ unit: fc.constantFrom("s", "c", "!", "@", " ", "\n", "0", "7", "-", "a", "cc-session-") })
  }),
  fc.record({ kind: fc.constant("torn" as const), keep: fc.double({ min: 0, max: 1, noNaN: true }) }),
  fc.constant({ kind: "doubled" as const }),
  fc.constant({ kind: "removed" as const }),
  fc.constant({ kind: "stale" as const })
)

const damage = (path: string, d: Damage, staleCopy: string | undefined) => {
  if (!existsSync(path)) return
  const text = readFileSync(path, "latin1")
  switch (d.kind) {
    case "cut":
      truncateSync(path, Math.floor(text.length * d.at))
      return
    case "garbage":
      appendFileSync(path, d.text)
      return
    case "torn": {
      // a reader killed mid-write: the start of a write, with no mark
      const lastWrite = text.slice(text.lastIndexOf("\n", text.lastIndexOf("\n@ ") - 1))
      appendFileSync(path, lastWrite.slice(0, Math.floor(lastWrite.length * d.keep)).replace(/\n@[^\n]*\n?$/, ""))
      return
    }
    case "doubled":
      appendFileSync(path, text)
      return
    case "removed":
      writeFileSync(path, "")
      return
    case "stale":
      // an index of an earlier, shorter state of this log
      if (staleCopy !== undefined) writeFileSync(path, staleCopy, "latin1")
  }
}

describe("session index (file store)", () => {
  it("answers like a whole read, whatever happened to the index between reads", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(eventListArb(8), queryArb, damageArb), { minLength: 1, maxLength: 6 }),
        async (rounds) => {
          const storeDir = await mkdtemp(join(dir, "store-"))
          const log = await openEventLog({ dir: storeDir, durable: false })
          const index = join(storeDir, SESSION_INDEX_FILE)
          let stale: string | undefined
          for (const [events, query, d] of rounds) {
            await log.append(events)
            await agrees(log, query)
            damage(index, d, stale)
            await agrees(log, query)
            stale = existsSync(index) ? readFileSync(index, "latin1") : undefined
          }
        }
      ),
      { numRuns: 60 }
    )
  })

  it("reports only the skipped lines the log bears out (garbage that a later mark covers is not one)", async () => {
    // found by the property above on CI: a garbage "!" line, then a reader's new mark after it
    const log = await openEventLog({ dir, durable: false })
    const id = "cc-session-00000000-0000-4000-8000-000000000001" as StableId
    await log.append([makeEvent("session.labeled", id, { label: "a" })])
    await agrees(log, { sessions: [id] })
    const first = statSync(join(dir, EVENTS_FILE)).size
    appendFileSync(join(dir, EVENTS_FILE), "not json\n")
    appendFileSync(join(dir, SESSION_INDEX_FILE), `!  \n! 0 ${first - 1} not valid JSON\n! ${first} 8 another reason\n`)
    await log.append([makeEvent("session.labeled", id, { label: "b" })])
    for (let i = 0; i < 3; i++) {
      await agrees(log, { sessions: [id] })
      expect((await log.readSessions({ sessions: [id] })).diagnostics).toEqual((await log.read()).diagnostics)
    }
  })

  it("is rebuilt when the log is another one (replaced, or cut back by hand)", async () => {
    const log = await openEventLog({ dir, durable: false })
    const [first, second] = fc.sample(
      eventListArb(20).filter((l) => l.length > 3),
      { numRuns: 2, seed: 5 }
    ) as [Array<SessionEvent>, Array<SessionEvent>]
    await log.append(first)
    const query = { sessions: [...new Set(first.map((e) => e.session))] }
    await agrees(log, query)
    // another log, as long or longer, in place of the first
    writeFileSync(join(dir, EVENTS_FILE), `${[...second, ...first].map(encodeEventLine).join("\n")}\n`)
    await agrees(log, query)
    // cut back to its first line
    const text = readFileSync(join(dir, EVENTS_FILE), "utf8")
    writeFileSync(join(dir, EVENTS_FILE), text.slice(0, text.indexOf("\n") + 1))
    await agrees(log, query)
  })

  it("reports every unreadable line of the log, also those indexed by an earlier read", async () => {
    const S = "cc-session-00000000-0000-4000-8000-000000000001" as StableId
    const log = await openEventLog({ dir, durable: false })
    await log.append([makeEvent("session.labeled", S, { label: "a" })])
    appendFileSync(join(dir, EVENTS_FILE), "{not json\n")
    await log.append([makeEvent("session.labeled", S, { label: "b" })])
    const first = await log.readSessions({ sessions: [S] })
    expect(first.events).toHaveLength(2)
    expect(first.diagnostics).toEqual([expect.objectContaining({ _tag: "SkippedLine", reason: "not valid JSON" })])
    // the second read answers from the index, and still reports the line
    const indexSize = statSync(join(dir, SESSION_INDEX_FILE)).size
    const second = await log.readSessions({ sessions: [S] })
    expect(second.diagnostics).toEqual(first.diagnostics)
    expect(statSync(join(dir, SESSION_INDEX_FILE)).size).toBe(indexSize)
  })

  it("reads only the log after its mark once built, and indexes that part", async () => {
    const S = "cc-session-00000000-0000-4000-8000-000000000001" as StableId
    const T = "cc-session-00000000-0000-4000-8000-000000000002" as StableId
    const log = await openEventLog({ dir, durable: false })
    await log.append([makeEvent("session.labeled", S, { label: "a" }), makeEvent("session.labeled", T, { label: "t" })])
    await log.readSessions({ sessions: [S] })
    const before = readFileSync(join(dir, SESSION_INDEX_FILE), "utf8")
    await log.append([makeEvent("session.labeled", S, { label: "b" })])
    const r = await log.readSessions({ sessions: [S] })
    expect(r.events.map((s) => (s.event.payload as { label: string }).label)).toEqual(["a", "b"])
    const after = readFileSync(join(dir, SESSION_INDEX_FILE), "utf8")
    // the new event's lines were appended after the old ones, with a new mark
    expect(after.startsWith(before)).toBe(true)
    expect(after.slice(before.length)).toMatch(/^\ns cc-session-\S+ \d+ \d+\n@ \d+ \d+ \S+\n$/)
    expect(statSync(join(dir, SESSION_INDEX_FILE)).mode & 0o777).toBe(0o600)
  })
})
