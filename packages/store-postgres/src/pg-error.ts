/**
 * What a PostgreSQL driver or server error means to a store: its code, whether trying again may
 * help (a server restarting, a dropped connection), and the typed `StoreError` it becomes, with
 * the URL's password never in a message.
 */
import { type StoreError, StoreIOError, StorePermissionError } from "@cc/events"

/** The code of a driver or server error (`42501`, `ECONNREFUSED`, …), if it has one. */
export const codeOf = (error: unknown): string | undefined =>
  typeof error === "object" && error !== null && "code" in error && typeof error.code === "string"
    ? error.code
    : undefined

const TRANSIENT_CODES = new Set([
  "57P01", // admin_shutdown
  "57P02", // crash_shutdown
  "57P03", // cannot_connect_now (starting up)
  "40001", // serialization_failure
  "40P01", // deadlock_detected
  "53300", // too_many_connections
  "08000",
  "08003",
  "08006",
  "08001",
  "08004"
])
const TRANSIENT_NODE_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "EPIPE", "ETIMEDOUT", "EHOSTUNREACH", "ENOTFOUND"])
const PERMISSION_CODES = new Set(["42501", "28000", "28P01"])

export const isTransient = (error: unknown): boolean => {
  const code = codeOf(error)
  if (code !== undefined) return TRANSIENT_CODES.has(code) || TRANSIENT_NODE_CODES.has(code)
  const message = error instanceof Error ? error.message : String(error)
  return /Connection terminated|connection ended|terminating connection|Client has encountered a connection error/i.test(
    message
  )
}

/** The URL without its password, for messages and `location`. */
export const redactUrl = (url: string | undefined): string => {
  if (url === undefined) return "postgres (PG* environment)"
  try {
    const parsed = new URL(url)
    if (parsed.password !== "") parsed.password = "***"
    return parsed.toString()
  } catch {
    return "postgres (unparsable URL)"
  }
}

export const storeError = (cause: unknown, location: string, operation: string): StoreError => {
  const code = codeOf(cause)
  const detail = cause instanceof Error ? cause.message : String(cause)
  if (code !== undefined && PERMISSION_CODES.has(code)) {
    return new StorePermissionError({
      path: location,
      operation,
      code,
      message: `no permission to ${operation} ${location} (${code}): ${detail}`
    })
  }
  return new StoreIOError({
    path: location,
    operation,
    ...(code === undefined ? {} : { code }),
    message: `could not ${operation} ${location}: ${detail}`
  })
}
