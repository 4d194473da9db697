/** The one match rule (properties): what fits, what does not, and why. */
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { fittingCandidates, type MatchCandidate, type MatchRule, type MatchWanted } from "../src/match.js"

const T0 = Date.UTC(2026, 10, 24, 10, 0, 0)
const rule: MatchRule = {
  beforeMs: 2 * 60_000,
  afterMs: 10 * 60_000,
  // "/r/a" and "/r/b" are two checkouts of one repository; anything else is its own
  relation: (a, b) => (a === b ? "exact" : a.startsWith("/r/") && b.startsWith("/r/") ? "repository" : "none")
}
const cwds = ["/r/a", "/r/b", "/x"]
const hashes = ["aaaa1111", "aaaa2222", "bbbb3333"]

const candidateArb: fc.Arbitrary<MatchCandidate> = fc.record(
  {
    claudeSessionId: fc.uuid(),
    cwd: fc.constantFrom(...cwds),
    firstTimestamp: fc.oneof(
      fc.integer({ min: -20 * 60_000, max: 20 * 60_000 }).map((d) => new Date(T0 + d).toISOString()),
      fc.constant("not a time")
    ),
    promptHash: fc.constantFrom(...hashes)
  },
  { requiredKeys: ["claudeSessionId"] }
)
const wantedArb: fc.Arbitrary<MatchWanted> = fc.record(
  {
    startedAt: fc.constant(T0),
    cwd: fc.constantFrom(...cwds),
    promptHash: fc.oneof(
      fc.constantFrom(...hashes).map((whole) => ({ whole })),
      fc.constantFrom("aaaa", "bbbb", "cccc").map((prefix) => ({ prefix }))
    )
  },
  { requiredKeys: ["startedAt"] }
)

/** Each condition alone, as the rule's comment states it. */
const inWindow = (c: MatchCandidate) => {
  const at = c.firstTimestamp === undefined ? Number.NaN : Date.parse(c.firstTimestamp)
  return !Number.isNaN(at) && at >= T0 - rule.beforeMs && at <= T0 + rule.afterMs
}
const samePrompt = (w: MatchWanted, c: MatchCandidate) =>
  w.promptHash === undefined ||
  (c.promptHash !== undefined &&
    ("whole" in w.promptHash ? c.promptHash === w.promptHash.whole : c.promptHash.startsWith(w.promptHash.prefix)))
const relation = (w: MatchWanted, c: MatchCandidate) =>
  w.cwd === undefined ? "exact" : c.cwd === undefined ? "none" : rule.relation(w.cwd, c.cwd)

describe("the match rule (properties)", () => {
  it("keeps exactly the candidates that fit, in their order, the exact directory's alone when there are any", () => {
    fc.assert(
      fc.property(wantedArb, fc.array(candidateArb, { maxLength: 12 }), (wanted, candidates) => {
        const fits = fittingCandidates(wanted, candidates, rule)
        const eligible = candidates.filter(
          (c) => inWindow(c) && samePrompt(wanted, c) && relation(wanted, c) !== "none"
        )
        const exact = eligible.filter((c) => relation(wanted, c) === "exact")
        expect(fits).toEqual(exact.length > 0 ? exact : eligible)
      }),
      { numRuns: 2000 }
    )
  })

  it("a candidate outside the window, of another prompt or of an unrelated directory never changes the answer", () => {
    fc.assert(
      fc.property(wantedArb, fc.array(candidateArb, { maxLength: 8 }), candidateArb, (wanted, candidates, extra) => {
        const outside = { ...extra, firstTimestamp: new Date(T0 + 60 * 60_000).toISOString() }
        expect(fittingCandidates(wanted, [...candidates, outside], rule)).toEqual(
          fittingCandidates(wanted, candidates, rule)
        )
      })
    )
  })

  it("a time that cannot be read never fits", () => {
    expect(fittingCandidates({ startedAt: T0 }, [{ claudeSessionId: "x", firstTimestamp: "soon" }], rule)).toEqual([])
  })
})
