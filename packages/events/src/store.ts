import * as Context from "effect/Context"
import type * as Effect from "effect/Effect"
import type * as Stream from "effect/Stream"
import type { StoreDiagnostic, TornTailRepaired } from "./diagnostics.js"
import type { StoreError } from "./errors.js"
import type { FoldSnapshot } from "./fold-state.js"
import { claudeIdsOf, type SessionEvent } from "./schema.js"

export { SkippedLine, type StoreDiagnostic, type TornTailRepaired } from "./diagnostics.js"

export interface StoredEvent {
  readonly event: SessionEvent
  /** Position of the event in the store (a byte offset for the file store). */
  readonly offset: number
}

export interface ReadResult {
  readonly events: ReadonlyArray<StoredEvent>
  readonly diagnostics: ReadonlyArray<StoreDiagnostic>
  /** Where the next read continues: past the last complete line. */
  readonly nextOffset: number
}

export interface AppendResult {
  /** Offset of the first appended event and the end offset after the append. */
  readonly from: number
  readonly to: number
  readonly count: number
}

export interface ReadOptions {
  readonly from?: number
}

/** Which sessions `readSessions` returns the events of. */
export interface SessionQuery {
  /** Sessions by stable id. */
  readonly sessions?: ReadonlyArray<string>
  /** And every session one of whose events names one of these Claude session ids. */
  readonly mentioning?: ReadonlyArray<string>
}

export interface TailOptions {
  readonly from?: number
  /** How often to look for new events when nothing changed (ms). */
  readonly pollMs?: number
}

/** `readSessions` for a store without an index: the whole read, kept to the sessions asked for. */
export const selectSessions = (result: ReadResult, query: SessionQuery): ReadResult => {
  const wanted = new Set<string>(query.sessions ?? [])
  const mentioned = new Set<string>(query.mentioning ?? [])
  if (mentioned.size > 0) {
    for (const { event } of result.events)
      if (claudeIdsOf(event).some((id) => mentioned.has(id))) wanted.add(event.session)
  }
  return { ...result, events: result.events.filter(({ event }) => wanted.has(event.session)) }
}

/** What a streaming read yields: events, and diagnostics for lines it had to skip. */
export type LogItem =
  | { readonly _tag: "Event"; readonly stored: StoredEvent }
  | { readonly _tag: "Diagnostic"; readonly diagnostic: StoreDiagnostic }

/**
 * The one store interface. Every implementation (the file store, the in-memory store, later
 * a PostgreSQL store) passes the same conformance suite, `@cc/events/conformance`.
 *
 * Contract: `append` is atomic per call (all of its events or none become visible, never
 * interleaved with another caller's), ordered, and durable once it returns; offsets only grow;
 * `read({from: r.nextOffset})` returns exactly the events appended after `r`; a line that
 * cannot be decoded is reported as a diagnostic, never dropped silently and never fatal.
 */
export interface EventStoreShape {
  readonly kind: string
  readonly location: string
  readonly append: (events: ReadonlyArray<SessionEvent>) => Effect.Effect<AppendResult, StoreError>
  readonly read: (options?: ReadOptions) => Effect.Effect<ReadResult, StoreError>
  /**
   * Every event of the sessions `query` names, in log order: exactly what `read()` kept to
   * them would give (so folding them gives those sessions' whole records), with the same
   * `nextOffset`. A store with an index reads only those sessions' events; its diagnostics
   * are the skipped lines it read or knows of (the file store: all of them).
   */
  readonly readSessions: (query: SessionQuery) => Effect.Effect<ReadResult, StoreError>
  /** Every event from `from` to the end now, in bounded memory. */
  readonly stream: (options?: ReadOptions) => Stream.Stream<LogItem, StoreError>
  /** Like `stream`, then follows new events until interrupted. */
  readonly tail: (options?: TailOptions) => Stream.Stream<LogItem, StoreError>
  /** Torn tails this store instance moved aside (on open or before an append). */
  readonly repairs: () => ReadonlyArray<TornTailRepaired>
  /**
   * Where the store keeps fold snapshots, if it keeps any (`foldLog` uses them): a new reader of
   * a long log folds only what came after the newest one.
   */
  readonly snapshots?: SnapshotShelf
}

/** Fold snapshots kept beside a log: a cache, never the truth (see `fold-snapshot.ts`). */
export interface SnapshotShelf {
  /**
   * The newest snapshot that still checks out: it decodes, is of this fold version, and the
   * log still holds its last event at its offset. None if there is none such.
   */
  readonly load: () => Effect.Effect<FoldSnapshot | undefined, StoreError>
  /** Keeps a snapshot; older ones may be dropped. */
  readonly save: (snapshot: FoldSnapshot) => Effect.Effect<void, StoreError>
}

export class EventStore extends Context.Service<EventStore, EventStoreShape>()("@cc/events/EventStore") {}
