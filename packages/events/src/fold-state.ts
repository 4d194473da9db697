/**
 * The fold's state, declared once as Schemas: the types `evolve` works on are derived from
 * them, and a snapshot of the state (kept beside a log, or in a shared database) is decoded by
 * the same Schemas before a reader resumes from it. A change to a fact is one edit here.
 */
import * as Schema from "effect/Schema"
import { SkippedLine } from "./diagnostics.js"
import { ClaudeSessionId, EventId, StableId } from "./ids.js"
import { jsonDecoder } from "./json.js"
import { LinkKind, RunFinishedPayload, RunStartedPayload, SessionOpenedPayload } from "./schema.js"

/**
 * The version of what `evolve` makes of events. A snapshot of another version is ignored, so
 * a reader whose fold changed never resumes from a state an older fold made: bump it whenever
 * the same events would fold to a different state.
 */
export const FOLD_VERSION = 1

const stamped = { at: Schema.String, eventId: EventId }

/** When a fact was set, and by which event: the total order every register merges by. */
export const Stamp = Schema.Struct(stamped)
export type Stamp = typeof Stamp.Type

export const EvidenceFact = Schema.Struct({ ...stamped, source: Schema.String, evidence: Schema.String })
export type EvidenceFact = typeof EvidenceFact.Type

export const ClaudeFact = Schema.Struct({
  claudeSessionId: ClaudeSessionId,
  firstSeen: Schema.String,
  lastSeen: Schema.String,
  confidence: Schema.Number.pipe(Schema.check(Schema.isBetween({ minimum: 0, maximum: 1 }))),
  sources: Schema.Array(Schema.String),
  transcriptPaths: Schema.Array(Schema.String),
  /** The hosts each transcript was seen on (by events of version 2 on). */
  transcriptHosts: Schema.optionalKey(Schema.Record(Schema.String, Schema.Array(Schema.String))),
  evidence: Schema.Array(EvidenceFact)
})
export type ClaudeFact = typeof ClaudeFact.Type

export const LinkFact = Schema.Struct({
  from: ClaudeSessionId,
  to: ClaudeSessionId,
  kind: LinkKind,
  at: Schema.String,
  evidence: Schema.Array(EvidenceFact)
})
export type LinkFact = typeof LinkFact.Type

/** The key a link is filed under in its record. */
export const linkKey = (from: string, to: string, kind: string): string => `${from}>${to}:${kind}`

// the facts hold the payload fields of the events they come from: their schemas follow them
const { runId: _startedRun, claudeSessionId: _startedClaude, ...runStartedFields } = RunStartedPayload.fields
const { runId: _finishedRun, ...runFinishedFields } = RunFinishedPayload.fields

export const OpenedFact = Schema.Struct({
  ...stamped,
  ...SessionOpenedPayload.fields,
  /** Where it was opened (the event's host). */
  host: Schema.optionalKey(Schema.String)
})
export type OpenedFact = typeof OpenedFact.Type

export const RunStartedFact = Schema.Struct({ ...stamped, ...runStartedFields })
export const RunFinishedFact = Schema.Struct({ ...stamped, ...runFinishedFields })

export const RunFact = Schema.Struct({
  runId: Schema.String,
  started: Schema.optionalKey(RunStartedFact),
  finished: Schema.optionalKey(RunFinishedFact)
})
export type RunFact = typeof RunFact.Type

const register = <S extends Schema.Top>(value: S) => Schema.Struct({ ...stamped, value })

export const SessionRecord = Schema.Struct({
  id: StableId,
  opened: Schema.optionalKey(OpenedFact),
  claude: Schema.Record(Schema.String, ClaudeFact),
  links: Schema.Record(Schema.String, LinkFact),
  runs: Schema.Record(Schema.String, RunFact),
  /** Latest wins. */
  label: Schema.optionalKey(register(Schema.String)),
  /** Latest wins. */
  archived: Schema.optionalKey(register(Schema.Boolean)),
  firstAt: Schema.String,
  lastAt: Schema.String
})
export type SessionRecord = typeof SessionRecord.Type

/** The fold state as JSON holds it: the ids of unknown events as a sorted array. */
export const FoldStateJson = Schema.Struct({
  version: Schema.Literal(1),
  sessions: Schema.Record(Schema.String, SessionRecord),
  /** Ids of events of types this version does not know: kept, not folded. */
  unknownEventIds: Schema.Array(Schema.String)
})

/** The whole fold state; `snapshot` serialises it, `restoreSnapshot` resumes from it. */
export interface FoldState extends Omit<typeof FoldStateJson.Type, "unknownEventIds"> {
  readonly unknownEventIds: ReadonlySet<string>
}

export const emptyFoldState: FoldState = { version: 1, sessions: {}, unknownEventIds: new Set() }

/** A snapshot as stored: one JSON document. */
export const FoldSnapshotJson = Schema.Struct({
  foldVersion: Schema.Int,
  /** Where to read on from: every event below it is folded into `state`. */
  nextOffset: Schema.Int,
  /** How many events are folded into it (to tell whether keeping one is worth it). */
  events: Schema.Int,
  /** The last event folded into it (none for an empty log): a store checks it still holds it. */
  last: Schema.NullOr(Schema.Struct({ offset: Schema.Int, id: Schema.String })),
  /** Lines skipped below `nextOffset`, so they are still reported. */
  diagnostics: Schema.Array(SkippedLine),
  state: FoldStateJson
})

/** The fold state of a log up to a position (`foldLog` keeps and resumes from these). */
export interface FoldSnapshot extends Omit<typeof FoldSnapshotJson.Type, "state"> {
  readonly state: FoldState
}

/** The keys the fold files each fact under must be the fact's own: a snapshot cannot re-file one. */
const keysAgree = (state: typeof FoldStateJson.Type): boolean => {
  for (const [key, record] of Object.entries(state.sessions)) {
    if (record.id !== key) return false
    for (const [id, fact] of Object.entries(record.claude)) if (fact.claudeSessionId !== id) return false
    for (const [k, link] of Object.entries(record.links)) if (linkKey(link.from, link.to, link.kind) !== k) return false
    for (const [runId, run] of Object.entries(record.runs)) if (run.runId !== runId) return false
  }
  return true
}

const toJson = (state: FoldState): typeof FoldStateJson.Type => ({
  ...state,
  unknownEventIds: [...state.unknownEventIds].sort()
})
const fromJson = (state: typeof FoldStateJson.Type): FoldState => ({
  ...state,
  unknownEventIds: new Set(state.unknownEventIds)
})

const decodeSnapshotJson = jsonDecoder(FoldSnapshotJson, "not a fold snapshot")
const decodeStateJson = jsonDecoder(FoldStateJson, "not a fold state")

/** Serialises a fold state alone; `restoreSnapshot` reads it back (see `FoldSnapshot` for one tied to a log). */
export const snapshot = (state: FoldState): string => JSON.stringify(toJson(state))

/** The state `snapshot` wrote, decoded by the same schema as a fold snapshot; none if it does not decode. */
export const restoreSnapshot = (text: string): FoldState | undefined => {
  const decoded = decodeStateJson(text)
  if (decoded._tag === "Bad" || !keysAgree(decoded.value)) return undefined
  return fromJson(decoded.value)
}

export const encodeFoldSnapshot = (snapshot: FoldSnapshot): string =>
  JSON.stringify({ ...snapshot, state: toJson(snapshot.state) })

/** The snapshot a text holds, or why it is not one this fold may resume from. */
export const decodeFoldSnapshot = (
  text: string
):
  | { readonly _tag: "Snapshot"; readonly snapshot: FoldSnapshot }
  | { readonly _tag: "Refused"; readonly reason: string } => {
  const decoded = decodeSnapshotJson(text)
  if (decoded._tag === "Bad") return { _tag: "Refused", reason: decoded.reason }
  const body = decoded.value
  if (body.foldVersion !== FOLD_VERSION)
    return { _tag: "Refused", reason: `fold version ${body.foldVersion}, this reader folds version ${FOLD_VERSION}` }
  if (!keysAgree(body.state)) return { _tag: "Refused", reason: "facts filed under keys not their own" }
  return { _tag: "Snapshot", snapshot: { ...body, state: fromJson(body.state) } }
}
