import * as Exit from "effect/Exit"
import * as Schema from "effect/Schema"
import { InvalidEvent } from "./errors.js"
import { decodeKnownFast } from "./fast-decode.js"
import { type EventId, newEventId, type StableId } from "./ids.js"
import { HOST } from "./process.js"
import {
  CURRENT_SCHEMA_VERSION,
  type EventOf,
  type EventType,
  KnownEvent,
  knownEventTypes,
  type PayloadOf,
  type SessionEvent,
  UnknownEvent
} from "./schema.js"

const decodeKnown = Schema.decodeUnknownExit(KnownEvent)
const decodeUnknownEnvelope = Schema.decodeUnknownExit(UnknownEvent)
const knownTypes: ReadonlySet<string> = new Set(knownEventTypes)

export type DecodedLine =
  | { readonly _tag: "Event"; readonly event: SessionEvent }
  | { readonly _tag: "Invalid"; readonly reason: string }

const hasNewerVersion = (value: unknown): boolean =>
  typeof value === "object" &&
  value !== null &&
  "v" in value &&
  typeof value.v === "number" &&
  value.v > CURRENT_SCHEMA_VERSION

/**
 * Decodes one parsed JSON value into an event. A valid envelope whose type (or schema
 * version) this version does not know becomes an `UnknownEvent` instead of an error.
 */
export const decodeEventValue = (value: unknown): DecodedLine => {
  if (!hasNewerVersion(value)) {
    const fast = decodeKnownFast(value)
    if (fast !== undefined) return { _tag: "Event", event: fast }
    const known = decodeKnown(value)
    if (Exit.isSuccess(known)) return { _tag: "Event", event: known.value }
  }
  const envelope = decodeUnknownEnvelope(value)
  if (Exit.isSuccess(envelope)) {
    if (knownTypes.has(envelope.value.type) && !hasNewerVersion(value)) {
      return { _tag: "Invalid", reason: `invalid ${envelope.value.type} payload` }
    }
    return { _tag: "Event", event: { ...envelope.value, unknown: true } }
  }
  return { _tag: "Invalid", reason: "not an event envelope" }
}

/** Decodes one line of a JSONL log; never throws. */
export const decodeEventLine = (line: string): DecodedLine => {
  let value: unknown
  try {
    value = JSON.parse(line)
  } catch {
    return { _tag: "Invalid", reason: "not valid JSON" }
  }
  return decodeEventValue(value)
}

/** One line of the log, without its newline. Unknown events are written back as they came. */
export const encodeEventLine = (event: SessionEvent): string => {
  if ("unknown" in event) {
    const { unknown: _unknown, ...rest } = event
    return JSON.stringify(rest)
  }
  return JSON.stringify(event)
}

export interface MakeEventOptions {
  readonly id?: EventId
  readonly at?: Date | string
  /** The host it is written on; default this one (`HOST`: `CC_SESSIONS_HOST`, else the hostname). */
  readonly host?: string
}

/**
 * Builds and validates an event. Invalid payloads are rejected here, at the boundary, so a
 * store never holds an event its own reader would skip.
 */
export const makeEvent = <T extends EventType>(
  type: T,
  session: StableId,
  payload: PayloadOf<T>,
  options: MakeEventOptions = {}
): EventOf<T> => {
  const at = options.at instanceof Date ? options.at.toISOString() : (options.at ?? new Date().toISOString())
  const candidate = {
    id: options.id ?? newEventId(),
    v: CURRENT_SCHEMA_VERSION,
    at,
    host: options.host ?? HOST,
    session,
    type,
    payload
  }
  const decoded = decodeKnown(candidate)
  if (Exit.isFailure(decoded)) {
    throw new InvalidEvent({ type, message: `invalid ${type} event: ${String(decoded.cause)}` })
  }
  return decoded.value as EventOf<T>
}
