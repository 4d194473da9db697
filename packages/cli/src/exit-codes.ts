/**
 * Every typed error a command can end with, by its tag: its code (and so its exit code) and
 * what its JSON error carries besides the message. The one place errors meet exit codes.
 */
import { CliFailure, type Code } from "./context.js"

type Tagged = { readonly _tag: string; readonly message: string } & Readonly<Record<string, unknown>>

interface Mapping {
  readonly code: Code | ((error: Tagged) => Code)
  readonly extra?: (error: Tagged) => Record<string, unknown>
}

const io: Mapping = { code: "io" }
const usage: Mapping = { code: "usage" }

export const failureByTag: Readonly<Record<string, Mapping>> = {
  UsageError: usage,
  InvalidReference: usage,
  InvalidToken: usage,
  SessionNotFound: { code: "not_found", extra: (e) => ({ searched: e.searched }) },
  AmbiguousSession: { code: "ambiguous", extra: (e) => ({ candidates: e.candidates }) },
  SessionCwdMissing: { code: "not_found" },
  SessionOnAnotherHost: { code: "not_found", extra: (e) => ({ hosts: e.hosts, stableId: e.stableId }) },
  RunFailed: { code: "run_failed" },
  SessionBusy: { code: "conflict", extra: (e) => ({ host: e.host, holder: e.holder, until: e.until }) },
  // a directory that is not there is bad input; a claude that is not there is not found
  LaunchRefused: { code: (e) => (e.reason === "cwd" ? "usage" : "not_found") },
  StoreIOError: io,
  StorePermissionError: io,
  StoreLockTimeout: io,
  InvalidEvent: io,
  SourceError: io,
  ListingUnreadable: io,
  VaultIOError: io,
  VaultDamaged: { code: "damaged" },
  VaultNotFound: { code: "not_found" },
  VaultConflict: { code: "conflict" },
  RestoreRefused: { code: "conflict", extra: (e) => ({ path: e.path }) }
}

const isTagged = (error: unknown): error is Tagged =>
  typeof error === "object" &&
  error !== null &&
  "_tag" in error &&
  typeof error._tag === "string" &&
  "message" in error &&
  typeof error.message === "string"

/** What a command's error means to the person or script that ran it. */
export const toFailure = (error: unknown): CliFailure => {
  if (error instanceof CliFailure) return error
  const mapping = isTagged(error) && Object.hasOwn(failureByTag, error._tag) ? failureByTag[error._tag] : undefined
  if (mapping !== undefined && isTagged(error)) {
    const code = typeof mapping.code === "function" ? mapping.code(error) : mapping.code
    return new CliFailure(code, error.message, mapping.extra?.(error) ?? {})
  }
  const message = error instanceof Error ? error.message : String(error)
  const errno = typeof error === "object" && error !== null && "code" in error ? String(error.code) : ""
  if (errno.startsWith("E")) return new CliFailure("io", message)
  return new CliFailure("io", `unexpected error: ${message}`)
}
