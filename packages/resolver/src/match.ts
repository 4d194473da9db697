/**
 * The one match rule: which Claude sessions could be the one a run started, from what was
 * recorded of the run (its start time, its cwd, its first prompt's hash) and what each
 * candidate's transcript says. Used by every resolution that has no id to go on: a stable id we
 * launched whose id was never recorded, a continuation token, a run a plugin source knows
 * without an id (ChannelCoder's placeholders). Pure: the resolver hands it the candidates.
 *
 * A candidate fits when its first entry is inside the window around the start, its first
 * prompt's hash is the run's (or starts with a token's prefix) whenever the run's is known, and
 * its cwd is related to the run's whenever the run's is known: the exact directory when any
 * candidate has it, else another checkout of the same repository. A candidate whose time cannot
 * be read never fits.
 */

/** What the rule needs of a candidate (a transcript, or a source's sighting). */
export interface MatchCandidate {
  readonly claudeSessionId: string
  readonly cwd?: string
  readonly firstTimestamp?: string
  readonly promptHash?: string
}

/** What was recorded of the run. */
export interface MatchWanted {
  /** Milliseconds since the epoch. */
  readonly startedAt: number
  readonly cwd?: string
  /** The whole hash of its first prompt, or (a token's) its first characters. */
  readonly promptHash?: { readonly whole: string } | { readonly prefix: string }
}

export interface MatchRule {
  /** How long before the recorded start a transcript may begin (clock skew). */
  readonly beforeMs: number
  /** How long after the recorded start the transcript's first entry may come. */
  readonly afterMs: number
  /** How two directories relate (exact, another checkout of the same repository, or none). */
  readonly relation: (recorded: string, candidate: string) => "exact" | "repository" | "none"
}

/** The candidates that fit, in the order given; the exact directory's alone when there are any. */
export const fittingCandidates = <C extends MatchCandidate>(
  wanted: MatchWanted,
  candidates: ReadonlyArray<C>,
  rule: MatchRule
): Array<C> => {
  const hash = wanted.promptHash
  const inWindow = candidates.filter((c) => {
    if (c.firstTimestamp === undefined) return false
    const at = Date.parse(c.firstTimestamp)
    if (Number.isNaN(at) || at < wanted.startedAt - rule.beforeMs || at > wanted.startedAt + rule.afterMs) return false
    // when the run's first prompt is known, so must the candidate's be: a transcript whose head
    // does not show its first prompt yet (still being written) is no match, or a run starting
    // beside another in the same cwd could be handed the other's id
    if (hash === undefined) return true
    if (c.promptHash === undefined) return false
    return "whole" in hash ? c.promptHash === hash.whole : c.promptHash.startsWith(hash.prefix)
  })
  if (wanted.cwd === undefined) return inWindow
  const cwd = wanted.cwd
  const related = inWindow.flatMap((c) => {
    if (c.cwd === undefined) return []
    const relation = rule.relation(cwd, c.cwd)
    return relation === "none" ? [] : [{ c, relation }]
  })
  const exact = related.filter((r) => r.relation === "exact")
  return (exact.length > 0 ? exact : related).map((r) => r.c)
}
