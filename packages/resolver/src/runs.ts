/**
 * Matching a run whose Claude id nobody recorded (a ChannelCoder `detached-<ms>` or `pending`,
 * or any plugin's `UnresolvedSession`) to the transcript Claude wrote for it. Pure: the
 * resolver hands it the candidates, and the property tests drive it directly.
 */
import type { ClaudeSessionId } from "@cc/events"
import type { UnresolvedSession } from "@cc/sources"
import { type Candidate, candidateOf } from "./errors.js"
import { fittingCandidates, type MatchRule } from "./match.js"

/** What the matcher needs of a transcript. */
export interface RunCandidate {
  readonly claudeSessionId: ClaudeSessionId
  readonly cwd?: string
  readonly firstTimestamp?: string
  readonly promptHash?: string
  readonly path?: string
}

export interface RunMatchOptions extends MatchRule {
  /** One candidate per conversation: a resume chain counts once, a fork of another candidate not at all. */
  readonly onePerConversation: (candidates: ReadonlyArray<RunCandidate>) => ReadonlyArray<RunCandidate>
}

export type RunOutcome =
  | {
      readonly _tag: "Resolved"
      readonly run: UnresolvedSession
      readonly claudeSessionId: ClaudeSessionId
      readonly confidence: number
      readonly evidence: string
    }
  | {
      readonly _tag: "Ambiguous"
      readonly run: UnresolvedSession
      readonly candidates: ReadonlyArray<Candidate>
      readonly reason: string
    }
  | { readonly _tag: "Unresolved"; readonly run: UnresolvedSession; readonly reason: string }

/**
 * A start time recorded after the spawn returned (ChannelCoder takes `Date.now()` then) is a
 * few seconds from the transcript's first entry at most; another run of the same prompt a
 * minute away or more is a different run, not a rival.
 */
export const NEAREST_WITHIN_MS = 10_000
export const RIVAL_BEYOND_MS = 60_000

/**
 * The match rule (`fittingCandidates`: the window around the run's start, its first prompt's
 * hash, a related directory, the exact one preferred). At least one of prompt and cwd must be
 * known: time alone is a guess. One conversation left: found. Several: the nearest in time when it is
 * clearly nearest (within 10 s, every other a minute or more away), else an ambiguity.
 */
export const matchRun = (
  run: UnresolvedSession,
  candidates: ReadonlyArray<RunCandidate>,
  options: RunMatchOptions
): RunOutcome => {
  const started = run.startedAt === undefined ? Number.NaN : Date.parse(run.startedAt)
  if (Number.isNaN(started)) return { _tag: "Unresolved", run, reason: "no start time is recorded for this run" }
  if (run.promptHash === undefined && run.cwd === undefined) {
    return {
      _tag: "Unresolved",
      run,
      reason: "neither the prompt nor the directory of this run is recorded: a match on time alone would be a guess"
    }
  }
  const fitting = fittingCandidates(
    {
      startedAt: started,
      ...(run.cwd === undefined ? {} : { cwd: run.cwd }),
      ...(run.promptHash === undefined ? {} : { promptHash: { whole: run.promptHash } })
    },
    candidates,
    options
  )
  const pool = options.onePerConversation(fitting)
  const what = run.promptHash === undefined ? `in ${run.cwd}` : "with this run's first prompt"
  // every candidate that fits has a readable first timestamp (the rule refuses any other)
  const distance = (c: RunCandidate) => Math.abs(Date.parse(c.firstTimestamp ?? "") - started)
  const byDistance = [...pool].sort((a, b) => distance(a) - distance(b))
  const [nearest, second] = byDistance
  if (nearest === undefined)
    return { _tag: "Unresolved", run, reason: `no transcript ${what} starts near ${run.startedAt}` }
  const clearlyNearest =
    second === undefined || (distance(nearest) <= NEAREST_WITHIN_MS && distance(second) >= RIVAL_BEYOND_MS)
  if (!clearlyNearest) {
    return {
      _tag: "Ambiguous",
      run,
      candidates: byDistance.map((c) => candidateOf(c, "transcripts")),
      reason: `${pool.length} transcripts ${what} start near ${run.startedAt}: which one is this run's cannot be told`
    }
  }
  const clues = [
    ...(run.promptHash === undefined ? [] : ["first prompt"]),
    ...(run.cwd === undefined ? [] : ["cwd"]),
    `start ${Math.round(distance(nearest) / 100) / 10} s from the recorded time`
  ]
  return {
    _tag: "Resolved",
    run,
    claudeSessionId: nearest.claudeSessionId,
    // the prompt hash and the time together are near certain; cwd and time alone less so
    confidence: run.promptHash === undefined ? 0.7 : second === undefined ? 0.95 : 0.85,
    evidence: `${run.source} ${run.placeholder} of "${run.reference}" matched by ${clues.join(", ")}: ${nearest.path ?? nearest.claudeSessionId}`
  }
}
