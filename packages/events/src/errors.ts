import * as Schema from "effect/Schema"

/** An event that does not match its schema was offered to a store. */
export class InvalidEvent extends Schema.TaggedError<InvalidEvent>()("InvalidEvent", {
  type: Schema.String,
  message: Schema.String
}) {}

/** The store's files could not be read or written (missing dir, full disk, I/O error). */
export class StoreIOError extends Schema.TaggedError<StoreIOError>()("StoreIOError", {
  path: Schema.String,
  operation: Schema.String,
  code: Schema.optionalKey(Schema.String),
  message: Schema.String
}) {}

/** The store exists but this process may not use it (EACCES / EPERM / EROFS). */
export class StorePermissionError extends Schema.TaggedError<StorePermissionError>()("StorePermissionError", {
  path: Schema.String,
  operation: Schema.String,
  code: Schema.String,
  message: Schema.String
}) {}

/** Another process held the append lock for longer than the caller was willing to wait. */
export class StoreLockTimeout extends Schema.TaggedError<StoreLockTimeout>()("StoreLockTimeout", {
  path: Schema.String,
  waitedMs: Schema.Number,
  holder: Schema.optionalKey(Schema.String),
  message: Schema.String
}) {}

export type StoreError = StoreIOError | StorePermissionError | StoreLockTimeout | InvalidEvent

const storeErrorTags: ReadonlySet<string> = new Set([
  "StoreIOError",
  "StorePermissionError",
  "StoreLockTimeout",
  "InvalidEvent"
] satisfies ReadonlyArray<StoreError["_tag"]>)

/** Whether a value is one of the store's typed errors (from any copy of this package: by tag). */
export const isStoreError = (value: unknown): value is StoreError =>
  typeof value === "object" &&
  value !== null &&
  "_tag" in value &&
  typeof value._tag === "string" &&
  storeErrorTags.has(value._tag)

const permissionCodes = new Set(["EACCES", "EPERM", "EROFS"])

const errorCode = (cause: unknown): string | undefined =>
  typeof cause === "object" && cause !== null && "code" in cause && typeof cause.code === "string"
    ? cause.code
    : undefined

/** Maps a Node fs error to the store's typed errors, with one clear sentence. */
export const storeErrorFromCause = (
  cause: unknown,
  path: string,
  operation: string
): StoreIOError | StorePermissionError => {
  const code = errorCode(cause)
  const detail = cause instanceof Error ? cause.message : String(cause)
  if (code !== undefined && permissionCodes.has(code)) {
    return new StorePermissionError({
      path,
      operation,
      code,
      message: `no permission to ${operation} ${path} (${code})`
    })
  }
  return new StoreIOError({
    path,
    operation,
    ...(code === undefined ? {} : { code }),
    message: `could not ${operation} ${path}: ${detail}`
  })
}
