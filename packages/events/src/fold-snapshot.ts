/**
 * Fold snapshots: the fold state of a log up to a position, kept beside the log so that a new
 * reader of a long log starts from it and folds only what came after.
 *
 * A snapshot is a cache, never the truth. It is used only when it checks out: written by this
 * fold version, decoded by the schema below (a shared database is a boundary like any other),
 * and the store still holds the last event it covers at the position it names. Anything else is
 * ignored and the log folded whole; the snapshot's stamps make a stale one harmless.
 */
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import type { StoreError } from "./errors.js"
import { Folder, type FoldState } from "./fold.js"
import { ClaudeSessionId, EventId, StableId } from "./ids.js"
import { jsonDecoder } from "./json.js"
import { LinkKind, RunFinishedPayload, RunStartedPayload, SessionOpenedPayload } from "./schema.js"
import type { EventStoreShape, SkippedLine, StoreDiagnostic, StoredEvent } from "./store.js"

/**
 * The version of what `evolve` makes of events. A snapshot of another version is ignored, so
 * a reader whose fold changed never resumes from a state an older fold made: bump it whenever
 * the same events would fold to a different state.
 */
export const FOLD_VERSION = 1

const Stamped = { at: Schema.String, eventId: EventId }
const Evidence = Schema.Struct({ ...Stamped, source: Schema.String, evidence: Schema.String })
const Confidence = Schema.Number.pipe(Schema.check(Schema.isBetween({ minimum: 0, maximum: 1 })))

const ClaudeFactSchema = Schema.Struct({
  claudeSessionId: ClaudeSessionId,
  firstSeen: Schema.String,
  lastSeen: Schema.String,
  confidence: Confidence,
  sources: Schema.Array(Schema.String),
  transcriptPaths: Schema.Array(Schema.String),
  transcriptHosts: Schema.optionalKey(Schema.Record(Schema.String, Schema.Array(Schema.String))),
  evidence: Schema.Array(Evidence)
})

const LinkFactSchema = Schema.Struct({
  from: ClaudeSessionId,
  to: ClaudeSessionId,
  kind: LinkKind,
  at: Schema.String,
  evidence: Schema.Array(Evidence)
})

// the facts hold the payload fields of the events they come from: their schemas follow them
const { runId: _startedRun, claudeSessionId: _startedClaude, ...runStartedFields } = RunStartedPayload.fields
const { runId: _finishedRun, ...runFinishedFields } = RunFinishedPayload.fields

const OpenedFactSchema = Schema.Struct({
  ...Stamped,
  ...SessionOpenedPayload.fields,
  host: Schema.optionalKey(Schema.String)
})

const RunFactSchema = Schema.Struct({
  runId: Schema.String,
  started: Schema.optionalKey(Schema.Struct({ ...Stamped, ...runStartedFields })),
  finished: Schema.optionalKey(Schema.Struct({ ...Stamped, ...runFinishedFields }))
})

const SessionRecordSchema = Schema.Struct({
  id: StableId,
  opened: Schema.optionalKey(OpenedFactSchema),
  claude: Schema.Record(Schema.String, ClaudeFactSchema),
  links: Schema.Record(Schema.String, LinkFactSchema),
  runs: Schema.Record(Schema.String, RunFactSchema),
  label: Schema.optionalKey(Schema.Struct({ ...Stamped, value: Schema.String })),
  archived: Schema.optionalKey(Schema.Struct({ ...Stamped, value: Schema.Boolean })),
  firstAt: Schema.String,
  lastAt: Schema.String
})

const SkippedLineSchema = Schema.Struct({
  _tag: Schema.Literal("SkippedLine"),
  offset: Schema.Int,
  length: Schema.Int,
  reason: Schema.String
})

/** A snapshot as stored: one JSON document. */
export const FoldSnapshotBody = Schema.Struct({
  foldVersion: Schema.Int,
  /** Where to read on from: every event below it is folded into `state`. */
  nextOffset: Schema.Int,
  /** How many events are folded into it (to tell whether keeping one is worth it). */
  events: Schema.Int,
  /** The last event folded into it (none for an empty log): a store checks it still holds it. */
  last: Schema.NullOr(Schema.Struct({ offset: Schema.Int, id: Schema.String })),
  /** Lines skipped below `nextOffset`, so they are still reported. */
  diagnostics: Schema.Array(SkippedLineSchema),
  state: Schema.Struct({
    version: Schema.Literal(1),
    sessions: Schema.Record(Schema.String, SessionRecordSchema),
    unknownEventIds: Schema.Array(Schema.String)
  })
})

export interface FoldSnapshot {
  readonly foldVersion: number
  readonly nextOffset: number
  readonly events: number
  readonly last: { readonly offset: number; readonly id: string } | null
  readonly diagnostics: ReadonlyArray<SkippedLine>
  readonly state: FoldState
}

const linkKey = (from: string, to: string, kind: string): string => `${from}>${to}:${kind}`

/** The keys the fold files each fact under must be the fact's own: a snapshot cannot re-file one. */
const keysAgree = (state: (typeof FoldSnapshotBody.Type)["state"]): boolean => {
  for (const [key, record] of Object.entries(state.sessions)) {
    if (record.id !== key) return false
    for (const [id, fact] of Object.entries(record.claude)) if (fact.claudeSessionId !== id) return false
    for (const [k, link] of Object.entries(record.links)) if (linkKey(link.from, link.to, link.kind) !== k) return false
    for (const [runId, run] of Object.entries(record.runs)) if (run.runId !== runId) return false
  }
  return true
}

const decodeBody = jsonDecoder(FoldSnapshotBody, "not a fold snapshot")
const decodeState = jsonDecoder(FoldSnapshotBody.fields.state, "not a fold state")

/** Serialises a fold state alone; `restoreSnapshot` reads it back (see `FoldSnapshot` for one tied to a log). */
export const snapshot = (state: FoldState): string =>
  JSON.stringify({ ...state, unknownEventIds: [...state.unknownEventIds].sort() })

/** The state `snapshot` wrote, decoded by the same schema as a fold snapshot; none if it does not decode. */
export const restoreSnapshot = (text: string): FoldState | undefined => {
  const decoded = decodeState(text)
  if (decoded._tag === "Bad" || !keysAgree(decoded.value)) return undefined
  return { ...decoded.value, unknownEventIds: new Set(decoded.value.unknownEventIds) }
}

export const encodeFoldSnapshot = (snapshot: FoldSnapshot): string =>
  JSON.stringify({
    ...snapshot,
    state: { ...snapshot.state, unknownEventIds: [...snapshot.state.unknownEventIds].sort() }
  })

/** The snapshot a text holds, or why it is not one this fold may resume from. */
export const decodeFoldSnapshot = (
  text: string
):
  | { readonly _tag: "Snapshot"; readonly snapshot: FoldSnapshot }
  | { readonly _tag: "Refused"; readonly reason: string } => {
  const decoded = decodeBody(text)
  if (decoded._tag === "Bad") return { _tag: "Refused", reason: decoded.reason }
  const body = decoded.value
  if (body.foldVersion !== FOLD_VERSION)
    return { _tag: "Refused", reason: `fold version ${body.foldVersion}, this reader folds version ${FOLD_VERSION}` }
  if (!keysAgree(body.state)) return { _tag: "Refused", reason: "facts filed under keys not their own" }
  return {
    _tag: "Snapshot",
    snapshot: { ...body, state: { ...body.state, unknownEventIds: new Set(body.state.unknownEventIds) } }
  }
}

/** Events folded past a snapshot before `foldLog` keeps a new one (about a second's fold). */
export const SNAPSHOT_AFTER = 20_000
/**
 * Events per session a log must hold for a snapshot to be worth keeping: decoding a session's
 * state costs about what folding eight of its events does, so a log of few events per session
 * is folded faster than its snapshot is read.
 */
export const SNAPSHOT_DENSITY = 8
/** Skipped lines a snapshot carries at most (they are reported again; more is not useful). */
const MAX_SNAPSHOT_DIAGNOSTICS = 1_000

export interface FoldLogOptions {
  /** Keep a new snapshot once this many events were folded past the last one (default `SNAPSHOT_AFTER`). */
  readonly snapshotAfter?: number
  /** Keep one only if the log holds at least this many events per session (default `SNAPSHOT_DENSITY`). */
  readonly minEventsPerSession?: number
}

export interface FoldedLog {
  /** The fold of the whole log, ready to take what is appended next. */
  readonly folder: Folder
  /** Where the log was read up to: read on from here. */
  readonly nextOffset: number
  /** Lines skipped (those below the snapshot as it recorded them) and torn tails repaired. */
  readonly diagnostics: ReadonlyArray<StoreDiagnostic>
  /** The offset of the snapshot it resumed from, if one checked out. */
  readonly resumedFrom: number | undefined
  /** Events folded from the log (after the snapshot, if one was used). */
  readonly folded: number
  /** Whether a new snapshot was kept; a store that refuses one is not an error here (it is a cache). */
  readonly saved: boolean
  readonly saveError?: StoreError
}

/**
 * Folds a store's whole log: from its newest snapshot if it keeps one that checks out, else
 * from the start; then keeps a new snapshot when enough was folded past the old one.
 */
export const foldLog = (store: EventStoreShape, options: FoldLogOptions = {}): Effect.Effect<FoldedLog, StoreError> =>
  Effect.gen(function* () {
    const shelf = store.snapshots
    // a snapshot that cannot be loaded (a role without the right, a server hiccup) is no reason
    // not to fold: the log itself is the truth
    const loaded = shelf === undefined ? undefined : yield* Effect.orElseSucceed(shelf.load(), () => undefined)
    // streamed, not read whole: a replay of a long log folds page by page in bounded memory
    const folder = new Folder(loaded?.state)
    const diagnostics: Array<StoreDiagnostic> = [...(loaded?.diagnostics ?? [])]
    let folded = 0
    let lastRead: StoredEvent | undefined
    yield* Stream.runForEachArray(store.stream(loaded === undefined ? {} : { from: loaded.nextOffset }), (items) =>
      Effect.sync(() => {
        for (const item of items) {
          if (item._tag === "Diagnostic") diagnostics.push(item.diagnostic)
          else {
            folder.applyOne(item.stored.event)
            lastRead = item.stored
            folded++
          }
        }
      })
    )
    // where to read on: from the last event streamed (folding it again changes nothing), which
    // also folds whatever was appended while streaming
    const from = lastRead?.offset ?? loaded?.nextOffset ?? 0
    const rest = yield* store.read({ from })
    for (const stored of rest.events) {
      if (stored.offset === lastRead?.offset) continue
      folder.applyOne(stored.event)
      lastRead = stored
      folded++
    }
    const seen = new Set(diagnostics.map((d) => `${d._tag}:${d.offset}`))
    for (const d of rest.diagnostics) if (!seen.has(`${d._tag}:${d.offset}`)) diagnostics.push(d)
    const skipped = diagnostics.filter((d): d is SkippedLine => d._tag === "SkippedLine")
    const result = {
      folder,
      nextOffset: rest.nextOffset,
      diagnostics,
      resumedFrom: loaded?.nextOffset,
      folded,
      saved: false
    }
    const events = (loaded?.events ?? 0) + folded
    const sessions = folder.size()
    if (
      shelf === undefined ||
      folded < (options.snapshotAfter ?? SNAPSHOT_AFTER) ||
      events < sessions * (options.minEventsPerSession ?? SNAPSHOT_DENSITY)
    )
      return result
    const snapshot: FoldSnapshot = {
      foldVersion: FOLD_VERSION,
      nextOffset: rest.nextOffset,
      events,
      last: lastRead === undefined ? (loaded?.last ?? null) : { offset: lastRead.offset, id: lastRead.event.id },
      diagnostics: skipped.slice(-MAX_SNAPSHOT_DIAGNOSTICS),
      state: folder.state()
    }
    return yield* shelf.save(snapshot).pipe(
      Effect.map((): FoldedLog => ({ ...result, saved: true })),
      Effect.catch((saveError) => Effect.succeed<FoldedLog>({ ...result, saveError }))
    )
  })
