/** Why a launch did not happen, or did not succeed: typed, each with its exit code in `exit-codes.ts`. */
import * as Schema from "effect/Schema"

/** The session's own directory is gone, and no `--in DIR` was given. */
export class SessionCwdMissing extends Schema.TaggedError<SessionCwdMissing>()("SessionCwdMissing", {
  cwd: Schema.String,
  message: Schema.String
}) {}

/** The session's transcripts are on another host: claude here could not resume it. */
export class SessionOnAnotherHost extends Schema.TaggedError<SessionOnAnotherHost>()("SessionOnAnotherHost", {
  stableId: Schema.NullOr(Schema.String),
  hosts: Schema.Array(Schema.String),
  message: Schema.String
}) {}

/** A run whose result says `is_error` (or that exited badly without a result). */
export class RunFailed extends Schema.TaggedError<RunFailed>()("RunFailed", {
  stableId: Schema.String,
  exitCode: Schema.NullOr(Schema.Int),
  errors: Schema.Array(Schema.String),
  message: Schema.String
}) {}

/**
 * A launch refused before anything was recorded or started: its directory is missing (Node
 * would blame the command, `spawn … ENOENT`), or there is no claude to run.
 */
export class LaunchRefused extends Schema.TaggedError<LaunchRefused>()("LaunchRefused", {
  reason: Schema.Literals(["cwd", "claude"]),
  message: Schema.String
}) {}
