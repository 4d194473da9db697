import { ClaudeSessionId } from "@cc/events"
import { hashPrompt, type UnresolvedSession } from "@cc/sources"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { matchRun, type RunCandidate, type RunMatchOptions } from "../src/index.js"

const T0 = Date.parse("2026-11-20T10:00:00.000Z")
const options: RunMatchOptions = {
  beforeMs: 2 * 60_000,
  afterMs: 10 * 60_000,
  relation: (a, b) => (a === b ? "exact" : "none"),
  onePerConversation: (candidates) => candidates
}
const uuid = (n: number) => ClaudeSessionId.make(`00000000-0000-4000-8000-${String(n).padStart(12, "0")}`)
const run = (over: Partial<UnresolvedSession>): UnresolvedSession => ({
  _tag: "UnresolvedSession",
  source: "channelcoder",
  reference: "s",
  placeholder: "detached-1",
  ...over
})

/** A world of runs, each with its own prompt, start time and (maybe) cwd, and the transcripts Claude wrote. */
const worldArb = fc
  .uniqueArray(fc.integer({ min: 0, max: 3_600_000 }), { minLength: 1, maxLength: 12 })
  .chain((starts) =>
    fc.record({
      starts: fc.constant(starts),
      // the transcript's first entry comes 0–5 s after the recorded start (spawn, then Date.now())
      lags: fc.array(fc.integer({ min: -2000, max: 5000 }), { minLength: starts.length, maxLength: starts.length }),
      cwds: fc.array(fc.option(fc.constantFrom("/w/a", "/w/b", "/w/c"), { nil: undefined }), {
        minLength: starts.length,
        maxLength: starts.length
      }),
      ranClaude: fc.array(fc.boolean(), { minLength: starts.length, maxLength: starts.length }),
      noise: fc.array(fc.record({ at: fc.integer({ min: 0, max: 3_600_000 }), prompt: fc.string() }), { maxLength: 10 })
    })
  )

describe("matching a run without an id to its transcript (properties)", () => {
  it("finds each run's own transcript when Claude ran it, and nothing when it did not", () => {
    fc.assert(
      fc.property(worldArb, (w) => {
        const candidates: Array<RunCandidate> = []
        w.starts.forEach((start, i) => {
          if (!w.ranClaude[i]) return
          candidates.push({
            claudeSessionId: uuid(i + 1),
            cwd: w.cwds[i] ?? "/w/a",
            firstTimestamp: new Date(T0 + start + (w.lags[i] as number)).toISOString(),
            promptHash: hashPrompt(`prompt ${i}`)
          })
        })
        for (const [j, n] of w.noise.entries()) {
          candidates.push({
            claudeSessionId: uuid(1000 + j),
            cwd: "/w/a",
            firstTimestamp: new Date(T0 + n.at).toISOString(),
            promptHash: hashPrompt(`noise: ${n.prompt}`)
          })
        }
        w.starts.forEach((start, i) => {
          const cwd = w.cwds[i]
          const outcome = matchRun(
            run({
              startedAt: new Date(T0 + start).toISOString(),
              promptHash: hashPrompt(`prompt ${i}`),
              ...(cwd === undefined ? {} : { cwd })
            }),
            candidates,
            options
          )
          if (w.ranClaude[i]) expect(outcome).toMatchObject({ _tag: "Resolved", claudeSessionId: uuid(i + 1) })
          else expect(outcome._tag).toBe("Unresolved")
        })
      })
    )
  })

  it("never resolves to a transcript of another prompt, another cwd or outside the window", () => {
    const candidateArb = fc.record({
      claudeSessionId: fc.integer({ min: 1, max: 50 }).map(uuid),
      cwd: fc.option(fc.constantFrom("/w/a", "/w/b"), { nil: undefined }),
      firstTimestamp: fc.option(
        fc.integer({ min: -1_000_000, max: 1_000_000 }).map((d) => new Date(T0 + d).toISOString()),
        { nil: undefined }
      ),
      promptHash: fc.option(fc.constantFrom("p", "q").map(hashPrompt), { nil: undefined })
    })
    fc.assert(
      fc.property(
        fc.array(candidateArb, { maxLength: 12 }) as fc.Arbitrary<Array<RunCandidate>>,
        fc.option(fc.constantFrom("p", "q").map(hashPrompt), { nil: undefined }),
        fc.option(fc.constantFrom("/w/a", "/w/b"), { nil: undefined }),
        (candidates, promptHash, cwd) => {
          const r = run({
            startedAt: new Date(T0).toISOString(),
            ...(promptHash === undefined ? {} : { promptHash }),
            ...(cwd === undefined ? {} : { cwd })
          })
          const outcome = matchRun(r, candidates, options)
          if (promptHash === undefined && cwd === undefined) expect(outcome._tag).toBe("Unresolved")
          if (outcome._tag !== "Resolved") return
          const chosen = candidates.filter((c) => c.claudeSessionId === outcome.claudeSessionId)
          expect(
            chosen.some((c) => {
              const at = Date.parse(c.firstTimestamp ?? "x")
              return (
                (promptHash === undefined || c.promptHash === promptHash) &&
                (cwd === undefined || c.cwd === cwd) &&
                at >= T0 - options.beforeMs &&
                at <= T0 + options.afterMs
              )
            })
          ).toBe(true)
        }
      )
    )
  })

  it("never picks one of two transcripts of the same prompt that both start within a minute of the run", () => {
    fc.assert(
      fc.property(fc.integer({ min: -59_999, max: 59_999 }), fc.integer({ min: -59_999, max: 59_999 }), (a, b) => {
        const hash = hashPrompt("same")
        const candidates = [
          { claudeSessionId: uuid(1), firstTimestamp: new Date(T0 + a).toISOString(), promptHash: hash },
          { claudeSessionId: uuid(2), firstTimestamp: new Date(T0 + b).toISOString(), promptHash: hash }
        ]
        const outcome = matchRun(run({ startedAt: new Date(T0).toISOString(), promptHash: hash }), candidates, options)
        expect(outcome._tag).toBe("Ambiguous")
      })
    )
  })
})
