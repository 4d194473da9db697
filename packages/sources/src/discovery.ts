import type { ClaudeSessionId, LinkKind, StableId } from "@cc/events"
import type * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"

/**
 * What a source is asked. Every field narrows; a source may return more than matches (it
 * filters where that is cheap) and consumers filter again, so a plugin can start simple.
 */
export interface SourceQuery {
  readonly claudeSessionId?: ClaudeSessionId
  readonly stableId?: StableId
  /** Sessions that ran in this directory (or, for transcripts, below it: worktrees). */
  readonly cwd?: string
  /** Sessions active at some point in [since, until]. */
  readonly since?: Date
  readonly until?: Date
  readonly promptHash?: string
  /** A detached run's log file; the sidecar beside it is read too. */
  readonly logPath?: string
  /**
   * A name or placeholder a user typed that is none of our reference kinds (such as
   * `detached-1795807425164` or `channelcoder:refactor`): a source that knows it answers with
   * the sessions it stands for. Sources that know no such names ignore it.
   */
  readonly reference?: string
}

/** A Claude session seen by a source, with what the source could tell about it. */
export interface SessionFound {
  readonly _tag: "SessionFound"
  readonly source: string
  readonly claudeSessionId: ClaudeSessionId
  readonly confidence: number
  readonly evidence: string
  readonly stableId?: StableId
  readonly cwd?: string
  readonly firstTimestamp?: string
  readonly lastTimestamp?: string
  readonly promptHash?: string
  readonly claudeVersion?: string
  readonly gitBranch?: string
  readonly path?: string
  /** Byte range of `path` this discovery was read from. */
  readonly range?: { readonly from: number; readonly to: number }
}

/** Two Claude sessions of one conversation: `to` continues (or forks) `from`. */
export interface LinkFound {
  readonly _tag: "LinkFound"
  readonly source: string
  readonly from: ClaudeSessionId
  readonly to: ClaudeSessionId
  readonly kind: LinkKind
  readonly evidence: string
  readonly stableId?: StableId
}

/** How a run ended, as its own output said (a `result` line, or an error printed before one). */
export interface RunResultFound {
  readonly _tag: "RunResultFound"
  readonly source: string
  readonly claudeSessionId?: ClaudeSessionId
  readonly isError: boolean
  readonly subtype?: string
  readonly errors: ReadonlyArray<string>
  readonly path?: string
  readonly stableId?: StableId
}

/**
 * A session we know exists but whose Claude id nobody recorded (a detached run with a
 * placeholder id): to be found through the other sources by cwd and time.
 */
export interface UnresolvedSession {
  readonly _tag: "UnresolvedSession"
  readonly source: string
  /** What the source calls the session (a ChannelCoder session name). */
  readonly reference: string
  readonly placeholder: string
  /** A name a user may type for it, such as `channelcoder:<name>`. */
  readonly label?: string
  readonly cwd?: string
  /** When the run started, as the source recorded it (ISO 8601). */
  readonly startedAt?: string
  /** SHA-256 of the run's first prompt (`hashPrompt`), computed in memory: never the text. */
  readonly promptHash?: string
  /** Claude ids the same record already holds before this placeholder (oldest first). */
  readonly after?: ReadonlyArray<ClaudeSessionId>
  /** Where in the source's record the run is (ChannelCoder: the index of its first message). */
  readonly position?: number
  readonly stableId?: StableId
  readonly path?: string
}

/** Something a source skipped or could not read. The scan always goes on. */
export interface SourceDiagnostic {
  readonly _tag: "SourceDiagnostic"
  readonly source: string
  readonly severity: "info" | "warning" | "error"
  readonly reason: string
  readonly path?: string
  readonly offset?: number
}

export type Discovery = SessionFound | LinkFound | RunResultFound | UnresolvedSession | SourceDiagnostic

/** A source failed as a whole (never raised for one bad file: that is a diagnostic). */
export class SourceError extends Schema.TaggedError<SourceError>()("SourceError", {
  source: Schema.String,
  message: Schema.String
}) {}

/**
 * What asking a source costs, which places it among the resolver's layers:
 * - `cheap`: a few small files (like a run's own log): asked right after the event log and the
 *   detached run's log, before anything is scanned;
 * - `moderate`: one state file or folder (like `history.jsonl` or background jobs): asked with
 *   history and jobs, before transcripts;
 * - `expensive`: a scan of much data: asked after the transcripts.
 */
export type SourceCost = "cheap" | "moderate" | "expensive"

export const SOURCE_COSTS: ReadonlyArray<SourceCost> = ["cheap", "moderate", "expensive"]

/** The plugin interface: a name and a stream of discoveries for a query. */
export interface Source {
  readonly name: string
  /** Where the resolver asks it (default `moderate`). */
  readonly cost?: SourceCost
  readonly discover: (query: SourceQuery) => Stream.Stream<Discovery, SourceError>
}

/** The same interface for plugins written without Effect: an async iterable. */
export interface PromiseSource {
  readonly name: string
  readonly cost?: SourceCost
  readonly discover: (query: SourceQuery) => AsyncIterable<Discovery>
}

const describeCause = (cause: unknown): string => (cause instanceof Error ? cause.message : String(cause))

/** Wraps a Promise-style source. A throw inside it becomes a `SourceError`. */
export const fromPromiseSource = (source: PromiseSource): Source => ({
  name: source.name,
  ...(source.cost === undefined ? {} : { cost: source.cost }),
  discover: (query) =>
    Stream.fromAsyncIterable(
      { [Symbol.asyncIterator]: () => source.discover(query)[Symbol.asyncIterator]() },
      (cause) => new SourceError({ source: source.name, message: describeCause(cause) })
    )
})

export const toPromiseSource = (source: Source): PromiseSource => ({
  name: source.name,
  ...(source.cost === undefined ? {} : { cost: source.cost }),
  discover: (query) => Stream.toAsyncIterable(source.discover(query))
})

/** Runs a source to completion and collects its discoveries. */
export const collect = (source: Source, query: SourceQuery = {}): Effect.Effect<Array<Discovery>, SourceError> =>
  Stream.runCollect(source.discover(query))

export const collectPromise = async (source: PromiseSource, query: SourceQuery = {}): Promise<Array<Discovery>> => {
  const out: Array<Discovery> = []
  for await (const discovery of source.discover(query)) out.push(discovery)
  return out
}

/** Either form of a source, as plugins come. */
export type AnySource = Source | PromiseSource

/**
 * Either form as a Promise-style source. Which form a plugin is shows only in what `discover`
 * returns: an async iterable, or an Effect `Stream`.
 */
export const asPromiseSource = (source: AnySource): PromiseSource => ({
  name: source.name,
  ...(source.cost === undefined ? {} : { cost: source.cost }),
  discover: (query) => {
    const result = source.discover(query) as AsyncIterable<Discovery> | Stream.Stream<Discovery, SourceError>
    return Stream.isStream(result) ? Stream.toAsyncIterable(result) : result
  }
})

/** Whether a value has the shape of a source (a plugin module's export, checked before use). */
export const isSource = (value: unknown): value is AnySource =>
  typeof value === "object" &&
  value !== null &&
  "name" in value &&
  typeof value.name === "string" &&
  value.name !== "" &&
  "discover" in value &&
  typeof value.discover === "function" &&
  (!("cost" in value) || value.cost === undefined || SOURCE_COSTS.includes(value.cost as SourceCost))
