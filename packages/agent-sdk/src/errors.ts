/** What the package's functions reject with, besides the resolver's and the stores' own typed errors. */
import * as Schema from "effect/Schema"

/** `ccSession` (or a session function's options) is not what it may be. */
export class InvalidSessionOptions extends Schema.TaggedError<InvalidSessionOptions>()("InvalidSessionOptions", {
  message: Schema.String
}) {}

/** `ccSession.stableId` names a session that already has a conversation: a new query would merge two. */
export class StableIdTaken extends Schema.TaggedError<StableIdTaken>()("StableIdTaken", {
  stableId: Schema.String,
  message: Schema.String
}) {}

/** The session to resume or change has no transcript on this machine and none in the vault. */
export class SessionNotHere extends Schema.TaggedError<SessionNotHere>()("SessionNotHere", {
  reference: Schema.String,
  message: Schema.String
}) {}

/** The directory the session ran in is gone (a removed worktree): the SDK could not find it from elsewhere. */
export class SessionDirectoryMissing extends Schema.TaggedError<SessionDirectoryMissing>()("SessionDirectoryMissing", {
  cwd: Schema.String,
  message: Schema.String
}) {}
