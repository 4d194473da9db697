/**
 * Matching a run whose Claude id nobody recorded (a ChannelCoder `detached-<ms>` or `pending`,
 * or any plugin's `UnresolvedSession`) to the transcript Claude wrote for it. Pure: the
 * resolver hands it the candidates, and the property tests drive it directly.
 */
import type { ClaudeSessionId } from "@cc/events"
import type { UnresolvedSession } from "@cc/sources"
import type { Candidate } from "./errors.js"

/** What the matcher needs of a transcript. */
export interface RunCandidate {
  /** Checked to be a UUID by whoever listed it (the transcript index does). */
  readonly claudeSessionId: string
  readonly cwd?: string
  readonly firstTimestamp?: string
  readonly promptHash?: string
  readonly path?: string
}

export interface RunMatchOptions {
  readonly beforeMs: number
  readonly afterMs: number
  /** How two directories relate (exact, another checkout of the same repository, or none). */
  readonly relation: (recorded: string, candidate: string) => "exact" | "repository" | "none"
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

const candidateOf = (c: RunCandidate, source: string): Candidate => ({
  stableId: null,
  claudeSessionId: c.claudeSessionId,
  source,
  ...(c.cwd === undefined ? {} : { cwd: c.cwd }),
  ...(c.firstTimestamp === undefined ? {} : { firstTimestamp: c.firstTimestamp })
})

/**
 * The rule: the candidate's first entry inside the window around the run's start, the same
 * first-prompt hash when the run's prompt is known, a related directory when the run's cwd is
 * known (the exact directory preferred). At least one of prompt and cwd must be known: time
 * alone is a guess. One conversation left: found. Several: the nearest in time when it is
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
  const inWindow = candidates.filter((c) => {
    if (c.firstTimestamp === undefined) return false
    const at = Date.parse(c.firstTimestamp)
    if (Number.isNaN(at) || at < started - options.beforeMs || at > started + options.afterMs) return false
    return run.promptHash === undefined || c.promptHash === run.promptHash
  })
  const related =
    run.cwd === undefined
      ? inWindow.map((c) => ({ c, relation: "exact" as const }))
      : inWindow.flatMap((c) => {
          if (c.cwd === undefined) return []
          const relation = options.relation(run.cwd as string, c.cwd)
          return relation === "none" ? [] : [{ c, relation }]
        })
  const exact = related.filter((r) => r.relation === "exact")
  const pool = options.onePerConversation((exact.length > 0 ? exact : related).map((r) => r.c))
  const what = run.promptHash === undefined ? `in ${run.cwd}` : "with this run's first prompt"
  if (pool.length === 0) {
    return { _tag: "Unresolved", run, reason: `no transcript ${what} starts near ${run.startedAt}` }
  }
  const distance = (c: RunCandidate) => Math.abs(Date.parse(c.firstTimestamp as string) - started)
  const byDistance = [...pool].sort((a, b) => distance(a) - distance(b))
  const [nearest, second] = byDistance as [RunCandidate, RunCandidate | undefined]
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
    claudeSessionId: nearest.claudeSessionId as ClaudeSessionId,
    // the prompt hash and the time together are near certain; cwd and time alone less so
    confidence: run.promptHash === undefined ? 0.7 : second === undefined ? 0.95 : 0.85,
    evidence: `${run.source} ${run.placeholder} of "${run.reference}" matched by ${clues.join(", ")}: ${nearest.path ?? nearest.claudeSessionId}`
  }
}
