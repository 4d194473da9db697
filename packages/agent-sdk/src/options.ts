/**
 * What `ccSession` (beside the SDK's own options) and a session function's options may say,
 * decoded at the boundary: a tool passes them from its own config, often untyped.
 */
import { StableId } from "@cc/events"
import * as Exit from "effect/Exit"
import * as Schema from "effect/Schema"
import { InvalidSessionOptions } from "./errors.js"

export const CcSessionOptions = Schema.Struct({
  /** The stable id of a new session, chosen by the caller (default: a new one). */
  stableId: Schema.optionalKey(StableId),
  /** The cc-sessions store (default `$CC_SESSIONS_HOME`, then `~/.channelcoder`). */
  storeDir: Schema.optionalKey(Schema.String),
  /** A shared event log, `postgres://…` (needs `@cc/store-postgres`): other machines' sessions resolve too. */
  events: Schema.optionalKey(Schema.String),
  /** The transcript vault: a folder or `postgres://…` (default: the `events` database, else `<store>/vault`). */
  vault: Schema.optionalKey(Schema.String),
  /** A name for the session: `resume: <label>` finds it; a later session that takes the label gets it. */
  label: Schema.optionalKey(Schema.String.pipe(Schema.check(Schema.isMinLength(1)))),
  /** Claude config roots to read transcripts from (default `CLAUDE_CONFIG_DIR` of the run's env, then `~/.claude`). */
  claudeHomes: Schema.optionalKey(Schema.Array(Schema.String))
})
export type CcSessionOptions = typeof CcSessionOptions.Type

const decodeOptions = Schema.decodeUnknownExit(CcSessionOptions)
const SHAPE =
  "{ stableId?: cc-session-<uuid>, storeDir?: string, events?: string, vault?: string, label?: string (not empty), claudeHomes?: string[] }"

/** `ccSession` as given, checked: an unknown stable id shape or a wrong type is said plainly, never guessed at. */
export const ccSessionOptionsOf = (given: unknown): CcSessionOptions => {
  if (given === undefined || given === null) return {}
  const decoded = decodeOptions(given)
  if (Exit.isFailure(decoded)) throw new InvalidSessionOptions({ message: `ccSession must be ${SHAPE}` })
  return decoded.value
}
