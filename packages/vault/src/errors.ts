import { errnoCode } from "@cc/events"
import * as Schema from "effect/Schema"

/** The vault's files or tables could not be read or written (missing dir, full disk, I/O error, no permission). */
export class VaultIOError extends Schema.TaggedError<VaultIOError>()("VaultIOError", {
  location: Schema.String,
  operation: Schema.String,
  code: Schema.optionalKey(Schema.String),
  message: Schema.String
}) {}

/**
 * A failed read or write of a vault as its error, said one way by every vault: what was done
 * where, the errno (or the database's) code, and a sentence; a refusal says it is one.
 */
export const vaultIOErrorOf = (
  cause: unknown,
  where: {
    readonly location: string
    readonly operation: string
    /** The code when it is not an errno (a database's SQLSTATE). */
    readonly code?: string
    /** How the sentence names the location (default: the location itself). */
    readonly subject?: string
  }
): VaultIOError => {
  const code = where.code ?? errnoCode(cause)
  const subject = where.subject ?? where.location
  const denied = code === "EACCES" || code === "EPERM" || code === "EROFS"
  return new VaultIOError({
    location: where.location,
    operation: where.operation,
    ...(code === undefined ? {} : { code }),
    message: denied
      ? `no permission to ${where.operation} ${subject} (${code})`
      : `could not ${where.operation} ${subject}: ${cause instanceof Error ? cause.message : String(cause)}`
  })
}

/**
 * A push that does not continue the vault's copy where it ends: another writer got there
 * first, or the pusher's idea of the copy is stale. Nothing was written; ask again and push
 * what is still missing.
 */
export class VaultConflict extends Schema.TaggedError<VaultConflict>()("VaultConflict", {
  sessionId: Schema.String,
  subpath: Schema.String,
  expectedGeneration: Schema.Number,
  expectedOffset: Schema.Number,
  message: Schema.String
}) {}

/**
 * The vault's copy does not check out: a chunk whose bytes do not match its digest, a chunk
 * missing or cut short, a manifest line that does not decode. Nothing is restored from it.
 */
export class VaultDamaged extends Schema.TaggedError<VaultDamaged>()("VaultDamaged", {
  sessionId: Schema.String,
  subpath: Schema.String,
  message: Schema.String
}) {}

/** The vault holds no copy of that transcript. */
export class VaultNotFound extends Schema.TaggedError<VaultNotFound>()("VaultNotFound", {
  sessionId: Schema.String,
  subpath: Schema.String,
  message: Schema.String
}) {}

/** A restore would overwrite a transcript that is there and says something else: refused. */
export class RestoreRefused extends Schema.TaggedError<RestoreRefused>()("RestoreRefused", {
  path: Schema.String,
  message: Schema.String
}) {}

/** What a vault's own operations fail with. */
export type VaultError = VaultIOError | VaultDamaged

export type VaultFailure = VaultIOError | VaultConflict | VaultDamaged | VaultNotFound | RestoreRefused

const vaultErrorTags: ReadonlySet<string> = new Set([
  "VaultIOError",
  "VaultConflict",
  "VaultDamaged",
  "VaultNotFound",
  "RestoreRefused"
] satisfies ReadonlyArray<VaultFailure["_tag"]>)

/** Whether a value is one of the vault's typed errors (from any copy of this package: by tag). */
export const isVaultError = (value: unknown): value is VaultFailure =>
  typeof value === "object" &&
  value !== null &&
  "_tag" in value &&
  typeof value._tag === "string" &&
  vaultErrorTags.has(value._tag)
