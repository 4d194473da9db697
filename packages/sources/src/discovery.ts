import type { ClaudeSessionId, LinkKind, StableId } from "@cc/events"
import * as Context from "effect/Context"
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
  readonly reference: string
  readonly placeholder: string
  readonly cwd?: string
  readonly startedAt?: string
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

/** The plugin interface: a name and a stream of discoveries for a query. */
export interface Source {
  readonly name: string
  readonly discover: (query: SourceQuery) => Stream.Stream<Discovery, SourceError>
}

/** The same interface for plugins written without Effect: an async iterable. */
export interface PromiseSource {
  readonly name: string
  readonly discover: (query: SourceQuery) => AsyncIterable<Discovery>
}

const describeCause = (cause: unknown): string => (cause instanceof Error ? cause.message : String(cause))

/** Wraps a Promise-style source. A throw inside it becomes a `SourceError`. */
export const fromPromiseSource = (source: PromiseSource): Source => ({
  name: source.name,
  discover: (query) =>
    Stream.fromAsyncIterable(
      { [Symbol.asyncIterator]: () => source.discover(query)[Symbol.asyncIterator]() },
      (cause) => new SourceError({ source: source.name, message: describeCause(cause) })
    )
})

export const toPromiseSource = (source: Source): PromiseSource => ({
  name: source.name,
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

/** The configured sources, as an Effect service. */
export class Sources extends Context.Service<Sources, ReadonlyArray<Source>>()("@cc/sources/Sources") {}
