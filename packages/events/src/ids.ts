import { randomUUID } from "node:crypto"
import * as Schema from "effect/Schema"

const uuidPattern = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"

/** Our stable session identity: `cc-session-<uuid>`, lowercase. */
export const StableId = Schema.String.pipe(
  Schema.check(Schema.isPattern(new RegExp(`^cc-session-${uuidPattern}$`))),
  Schema.brand("StableId")
)
export type StableId = typeof StableId.Type

/**
 * A Claude Code session id. The CLI only ever writes lowercase UUIDs; anything else is
 * rejected here so that a hostile id can never become part of a path.
 */
export const ClaudeSessionId = Schema.String.pipe(
  Schema.check(Schema.isPattern(new RegExp(`^${uuidPattern}$`))),
  Schema.brand("ClaudeSessionId")
)
export type ClaudeSessionId = typeof ClaudeSessionId.Type

/** The idempotency key of one event. */
export const EventId = Schema.String.pipe(
  Schema.check(Schema.isPattern(/^[A-Za-z0-9_-]{8,64}$/)),
  Schema.brand("EventId")
)
export type EventId = typeof EventId.Type

const stableIdRegex = new RegExp(`^cc-session-${uuidPattern}$`)
const claudeIdRegex = new RegExp(`^${uuidPattern}$`)

export const isStableId = (value: string): value is StableId => stableIdRegex.test(value)
export const isClaudeSessionId = (value: string): value is ClaudeSessionId => claudeIdRegex.test(value)

// the constructors: the only places a text becomes one of the brands above
/** The text as a stable id, if it is one (lowercase, as `StableId` requires). */
export const stableIdOf = (value: string): StableId | undefined => (isStableId(value) ? value : undefined)
/** The text as a Claude session id, if it is one. */
export const claudeSessionIdOf = (value: string): ClaudeSessionId | undefined =>
  isClaudeSessionId(value) ? value : undefined

export const newStableId = (): StableId => StableId.make(`cc-session-${randomUUID()}`)
export const newClaudeSessionId = (): ClaudeSessionId => ClaudeSessionId.make(randomUUID())
export const newEventId = (): EventId => EventId.make(randomUUID())
