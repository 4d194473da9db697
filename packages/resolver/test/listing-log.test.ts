/**
 * The log's digest kept with a listing: over generated event logs, every lookup of the digest
 * (found by a binary search over its bytes) says what the folded log says, for ids it holds and
 * ids it does not; and a digest whose bytes are cut anywhere answers as the log does or throws
 * `DamagedLogDigest`, never anything else.
 */
import { type ClaudeSessionId, fold, type SessionMap, type StableId, sessionMap } from "@cc/events"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { eventListArb } from "../../events/src/arbitraries.js"
import {
  DamagedLogDigest,
  type ListingLog,
  listingLogDigest,
  listingLogFromDigest,
  listingLogOf
} from "../src/listing/log.js"

const hex = (n: number, width: number): string => n.toString(16).padStart(width, "0")
const uuidFrom = (n: number): string => `${hex(n, 8)}-0000-4000-8000-${hex(n, 12)}`
// the pools the event arbitraries draw from, and a few ids beyond them (never in any log)
const stableIds = Array.from({ length: 6 }, (_, i) => `cc-session-${uuidFrom(i + 1)}` as StableId)
const claudeIds = Array.from({ length: 10 }, (_, i) => uuidFrom(0x1000 + i + 1) as ClaudeSessionId)

/** A map with no running session (a digest is kept only then). */
const settledMapArb: fc.Arbitrary<SessionMap> = eventListArb(60)
  .map((events) => sessionMap(fold(events)))
  .filter((map) => [...map.sessions.values()].every((v) => v.status !== "running"))

const answers = (log: ListingLog) => ({
  owners: claudeIds.map((id) => log.ownersOf(id)),
  sessions: stableIds.map((id) => {
    const s = log.sessionOf(id)
    return s === undefined
      ? undefined
      : {
          status: s.status,
          label: s.label,
          latest: s.latestClaudeSessionId,
          forkOf: s.forkOf,
          forkLinks: s.links.filter((l) => l.kind === "fork").map(({ from, to }) => ({ from, to }))
        }
  })
})

describe("the log's digest", () => {
  it("answers every lookup as the folded log does", () => {
    fc.assert(
      fc.property(settledMapArb, (map) => {
        const digest = listingLogDigest(map)
        expect(digest).toBeDefined()
        expect(answers(listingLogFromDigest(digest as Buffer))).toEqual(answers(listingLogOf(map)))
      }),
      { numRuns: 300 }
    )
  })

  it("is none while a session is running", () => {
    fc.assert(
      fc.property(
        eventListArb(60).map((events) => sessionMap(fold(events))),
        (map) => {
          const running = [...map.sessions.values()].some((v) => v.status === "running")
          expect(listingLogDigest(map) === undefined).toBe(running)
        }
      ),
      { numRuns: 200 }
    )
  })

  it("cut anywhere, answers as the log does or throws DamagedLogDigest", () => {
    fc.assert(
      fc.property(settledMapArb, fc.double({ min: 0, max: 1, noNaN: true }), (map, where) => {
        const digest = listingLogDigest(map) as Buffer
        const cut = digest.subarray(0, Math.floor(where * digest.length))
        const expected = answers(listingLogOf(map))
        try {
          const got = answers(listingLogFromDigest(cut))
          // a cut at an entry's end leaves a shorter digest whose entries are all the log's
          for (const [i, owners] of got.owners.entries())
            if (owners.length > 0) expect(owners).toEqual(expected.owners[i])
          for (const [i, session] of got.sessions.entries())
            if (session !== undefined) expect(session).toEqual(expected.sessions[i])
        } catch (error) {
          expect(error).toBeInstanceOf(DamagedLogDigest)
        }
      }),
      { numRuns: 300 }
    )
  })
})
