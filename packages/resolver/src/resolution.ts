/** What a resolution answers, and what a resolver is given. */
import type { TranscriptCache } from "@cc/cache"
import type { ClaudeSessionId, EventLog, SessionStatus, StableId } from "@cc/events"
import type { AnySource } from "@cc/sources"
import type { PathMapping } from "./repo.js"

/** The built-in layers; a plugin source that answers is named by its own name. */
export type ResolvedBy =
  | "store"
  | "sidecar"
  | "detached-log"
  | "history"
  | "jobs"
  | "transcripts"
  | "token"
  | (string & {})

export interface ForkedFrom {
  /** Null only for a fork whose parent has no Claude id we know of. */
  readonly claudeSessionId: ClaudeSessionId | null
  readonly stableId: StableId | null
}

/** A plugin source that threw: it is skipped, the other layers go on. */
export interface SourceProblem {
  readonly source: string
  readonly message: string
}

export interface Resolution {
  readonly stableId: StableId | null
  /** The Claude session chain, oldest first. */
  readonly claudeSessionIds: ReadonlyArray<ClaudeSessionId>
  /** The id to resume. */
  readonly latestClaudeSessionId: ClaudeSessionId | null
  readonly forks: ReadonlyArray<{ readonly from: ClaudeSessionId; readonly to: ClaudeSessionId }>
  /** Where this session branched from: the parent's Claude id, and its stable id when known. */
  readonly forkedFrom: ForkedFrom | null
  readonly cwd: string | null
  /** The host the session was opened on (or, known only from transcripts here, this host). */
  readonly host: string | null
  readonly transcripts: ReadonlyArray<string>
  /** The hosts each transcript is on: recorded by the events, and this host for the ones here. */
  readonly transcriptHosts: Readonly<Record<string, ReadonlyArray<string>>>
  readonly status: SessionStatus | "unknown"
  readonly resolvedBy: ResolvedBy
  readonly confidence: number
  readonly evidence: ReadonlyArray<string>
  /** Every layer that was asked, in order. */
  readonly searched: ReadonlyArray<string>
}

export interface MatchWindow {
  /** How long before the recorded start a transcript may begin (clock skew). */
  readonly beforeMs: number
  /** How long after the recorded start the transcript's first entry may come. */
  readonly afterMs: number
}

export interface ResolverOptions {
  readonly log: EventLog
  readonly cache: TranscriptCache
  /** Claude config roots for history.jsonl and jobs/ (the cache has its own roots). */
  readonly claudeHomes: ReadonlyArray<string>
  readonly mappings?: ReadonlyArray<PathMapping>
  readonly useGit?: boolean
  /** Append what the layers found to the event log (default true). */
  readonly record?: boolean
  readonly window?: MatchWindow
  /**
   * Plugin sources (Effect or Promise form), each asked lazily at the layer its `cost` names:
   * `cheap` after the detached run's log, `moderate` with history and jobs, `expensive` after
   * the transcripts. What they find is recorded with their name as the source.
   */
  readonly sources?: ReadonlyArray<AnySource>
  /** Told of each plugin source that throws (default: kept for `sourceProblems()` only). */
  readonly onSourceProblem?: (problem: SourceProblem) => void
}
