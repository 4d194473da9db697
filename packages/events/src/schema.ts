import * as Schema from "effect/Schema"
import { ClaudeSessionId, EventId, StableId } from "./ids.js"

/**
 * The envelope version this library writes. Readers accept every version up to it; an event of
 * a newer version is kept but not folded. Version 2 added `host`.
 */
export const CURRENT_SCHEMA_VERSION = 2

export const SessionMode = Schema.Literals(["run", "stream", "interactive", "detached"])
export type SessionMode = typeof SessionMode.Type

export const LinkKind = Schema.Literals(["resume", "fork", "continue", "compact"])
export type LinkKind = typeof LinkKind.Type

/** Hex SHA-256 of a prompt: events carry this, never the prompt text. */
export const PromptHash = Schema.String.pipe(Schema.check(Schema.isPattern(/^[0-9a-f]{64}$/)))

const Confidence = Schema.Number.pipe(Schema.check(Schema.isBetween({ minimum: 0, maximum: 1 })))
const IsoTimestamp = Schema.String.pipe(
  Schema.check(Schema.isPattern(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/))
)

export const SessionOpenedPayload = Schema.Struct({
  cwd: Schema.String,
  mode: SessionMode,
  promptHash: Schema.optionalKey(PromptHash),
  logPath: Schema.optionalKey(Schema.String),
  forkOf: Schema.optionalKey(StableId),
  /** What started it (`cc-session`, or `sdk-ts` for `@cc/agent-sdk`'s query): Claude's own word for the same. */
  entrypoint: Schema.optionalKey(Schema.String)
})

export const RunStartedPayload = Schema.Struct({
  runId: Schema.String,
  /** claude's pid, and its start time (`processStartTime`): a reused pid is told apart. */
  pid: Schema.optionalKey(Schema.Int),
  pidStart: Schema.optionalKey(Schema.String),
  /** The process that supervises the run (the detached supervisor, or the foreground CLI). */
  supervisorPid: Schema.optionalKey(Schema.Int),
  supervisorStart: Schema.optionalKey(Schema.String),
  host: Schema.optionalKey(Schema.String),
  mode: Schema.optionalKey(SessionMode),
  claudeSessionId: Schema.optionalKey(ClaudeSessionId),
  logPath: Schema.optionalKey(Schema.String)
})

export const RunFinishedPayload = Schema.Struct({
  runId: Schema.String,
  exitCode: Schema.NullOr(Schema.Int),
  signal: Schema.optionalKey(Schema.String),
  resultSubtype: Schema.optionalKey(Schema.String),
  isError: Schema.optionalKey(Schema.Boolean),
  /** Set when the run's processes were found gone with no result in its log: why it is lost. */
  lost: Schema.optionalKey(Schema.String)
})

export const ClaudeObservedPayload = Schema.Struct({
  claudeSessionId: ClaudeSessionId,
  /** Which source saw it: "launcher", "stream", "sidecar", "transcripts", "history", … */
  source: Schema.String,
  /** Free-form, human-readable: a path and byte offset, a stream line, a match rule. */
  evidence: Schema.String,
  confidence: Confidence,
  transcriptPath: Schema.optionalKey(Schema.String)
})

export const ChainLinkedPayload = Schema.Struct({
  from: ClaudeSessionId,
  to: ClaudeSessionId,
  kind: LinkKind,
  source: Schema.String,
  evidence: Schema.String
})

export const SessionLabeledPayload = Schema.Struct({ label: Schema.String })
export const SessionArchivedPayload = Schema.Struct({ archived: Schema.Boolean })
/**
 * A title was given to one of the session's transcripts, in Claude's own format (`cc-session
 * rename`). Not the title: titles live in the transcript and the local index, never in events.
 */
export const SessionTitledPayload = Schema.Struct({ claudeSessionId: ClaudeSessionId })
/** A tag was set on one of the session's transcripts (`cc-session tag`); null: cleared. */
export const SessionTaggedPayload = Schema.Struct({
  claudeSessionId: ClaudeSessionId,
  tag: Schema.NullOr(Schema.String)
})

const envelopeFields = {
  id: EventId,
  v: Schema.Int.pipe(Schema.check(Schema.isBetween({ minimum: 1, maximum: CURRENT_SCHEMA_VERSION }))),
  at: IsoTimestamp,
  /** The host the event was written on (`CC_SESSIONS_HOST`, default the hostname); version 2 on. */
  host: Schema.optionalKey(Schema.String),
  session: StableId
}

const eventSchema = <T extends string, P extends Schema.Top>(type: T, payload: P) =>
  Schema.Struct({ ...envelopeFields, type: Schema.Literal(type), payload })

export const SessionOpened = eventSchema("session.opened", SessionOpenedPayload)
export const RunStarted = eventSchema("run.started", RunStartedPayload)
export const RunFinished = eventSchema("run.finished", RunFinishedPayload)
export const ClaudeObserved = eventSchema("claude.observed", ClaudeObservedPayload)
export const ChainLinked = eventSchema("chain.linked", ChainLinkedPayload)
export const SessionLabeled = eventSchema("session.labeled", SessionLabeledPayload)
export const SessionArchived = eventSchema("session.archived", SessionArchivedPayload)
export const SessionTitled = eventSchema("session.titled", SessionTitledPayload)
export const SessionTagged = eventSchema("session.tagged", SessionTaggedPayload)

/** Every event type this version understands. */
export const KnownEvent = Schema.Union([
  SessionOpened,
  RunStarted,
  RunFinished,
  ClaudeObserved,
  ChainLinked,
  SessionLabeled,
  SessionArchived,
  SessionTitled,
  SessionTagged
])
export type KnownEvent = typeof KnownEvent.Type
export type EventType = KnownEvent["type"]
export const knownEventTypes: ReadonlyArray<EventType> = [
  "session.opened",
  "run.started",
  "run.finished",
  "claude.observed",
  "chain.linked",
  "session.labeled",
  "session.archived",
  "session.titled",
  "session.tagged"
]

/**
 * An event written by a newer version of this library (or a plugin): its envelope is
 * valid, its type is not one we know. Kept, carried through reads and ignored by the fold,
 * so that an old reader never fails a whole log because of a newer writer.
 */
export const UnknownEvent = Schema.Struct({
  id: EventId,
  v: Schema.Int,
  at: IsoTimestamp,
  host: Schema.optionalKey(Schema.String),
  session: StableId,
  type: Schema.String,
  payload: Schema.Unknown
})
export type UnknownEvent = typeof UnknownEvent.Type & { readonly unknown: true }

export type SessionEvent = KnownEvent | UnknownEvent

export type EventOf<T extends EventType> = Extract<KnownEvent, { type: T }>
export type PayloadOf<T extends EventType> = EventOf<T>["payload"]

export const isKnownEvent = (event: SessionEvent): event is KnownEvent => !("unknown" in event)

/** The Claude session ids an event names (the ones the fold files a session under). */
export const claudeIdsOf = (event: SessionEvent): Array<string> => {
  if ("unknown" in event) return []
  switch (event.type) {
    case "claude.observed":
      return [event.payload.claudeSessionId]
    case "run.started":
      return event.payload.claudeSessionId === undefined ? [] : [event.payload.claudeSessionId]
    case "chain.linked":
      return [event.payload.from, event.payload.to]
    default:
      return []
  }
}
