import * as Schema from "effect/Schema"

export const Candidate = Schema.Struct({
  stableId: Schema.NullOr(Schema.String),
  claudeSessionId: Schema.NullOr(Schema.String),
  cwd: Schema.optionalKey(Schema.String),
  firstTimestamp: Schema.optionalKey(Schema.String),
  source: Schema.String
})
export type Candidate = typeof Candidate.Type

/** Nothing matched. `searched` names every layer that was asked. */
export class SessionNotFound extends Schema.TaggedError<SessionNotFound>()("SessionNotFound", {
  reference: Schema.String,
  searched: Schema.Array(Schema.String),
  message: Schema.String
}) {}

/** Two or more candidates fit equally: never a silent guess. */
export class AmbiguousSession extends Schema.TaggedError<AmbiguousSession>()("AmbiguousSession", {
  reference: Schema.String,
  candidates: Schema.Array(Candidate),
  message: Schema.String
}) {}

/** The reference is neither a stable id, a Claude id, a prefix of one, nor a token. */
export class InvalidReference extends Schema.TaggedError<InvalidReference>()("InvalidReference", {
  reference: Schema.String,
  message: Schema.String
}) {}

/** A continuation token that is malformed, truncated, tampered with, or of an unknown version. */
export class InvalidToken extends Schema.TaggedError<InvalidToken>()("InvalidToken", {
  reason: Schema.String,
  message: Schema.String
}) {}

export type ResolveError = SessionNotFound | AmbiguousSession | InvalidReference | InvalidToken

/** A candidate as an ambiguity lists it. */
export const candidateOf = (
  t: { claudeSessionId: string; cwd?: string; firstTimestamp?: string },
  source: string,
  stableId: string | null = null
): Candidate => ({
  stableId,
  claudeSessionId: t.claudeSessionId,
  source,
  ...(t.cwd === undefined ? {} : { cwd: t.cwd }),
  ...(t.firstTimestamp === undefined ? {} : { firstTimestamp: t.firstTimestamp })
})

/** A kept `ls --all` listing whose rows do not decode (bytes this code wrote: a bug, said plainly). */
export class ListingUnreadable extends Schema.TaggedError<ListingUnreadable>()("ListingUnreadable", {
  message: Schema.String
}) {}
