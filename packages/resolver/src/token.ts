/**
 * Continuation tokens: a short, URL-safe, versioned string that finds a session again without
 * our storage, on another machine, from Claude's transcripts alone.
 *
 *   cct1.<base64url(JSON payload)>.<base64url(first 6 bytes of SHA-256(payload))>
 *
 * The payload holds the start time (ms), the cwd, the first 128 bits of the SHA-256 of the
 * first prompt (never the prompt), and optionally the stable id. The check bytes catch a
 * truncated or edited token; they are an integrity check, not a signature.
 */
import { createHash } from "node:crypto"
import { StableId } from "@cc/events"
import * as Exit from "effect/Exit"
import * as Schema from "effect/Schema"
import { InvalidToken } from "./errors.js"

export const TOKEN_PREFIX = "cct1"
export const TOKEN_HASH_HEX = 32

const TokenPayload = Schema.Struct({
  t: Schema.Int,
  c: Schema.String,
  h: Schema.String.pipe(Schema.check(Schema.isPattern(/^[0-9a-f]{32}$/))),
  s: Schema.optionalKey(StableId)
})
const decodePayload = Schema.decodeUnknownExit(TokenPayload)

export interface ContinuationToken {
  readonly startedAt: Date
  readonly cwd: string
  /** The first 32 hex characters of the first prompt's SHA-256 (see `hashPrompt`). */
  readonly promptHashPrefix: string
  readonly stableId?: StableId
}

const check = (payload: string): string =>
  createHash("sha256").update(payload).digest().subarray(0, 6).toString("base64url")

export const encodeToken = (token: {
  readonly startedAt: Date
  readonly cwd: string
  readonly promptHash: string
  readonly stableId?: StableId | undefined
}): string => {
  const payload = Buffer.from(
    JSON.stringify({
      t: token.startedAt.getTime(),
      c: token.cwd,
      h: token.promptHash.slice(0, TOKEN_HASH_HEX),
      ...(token.stableId === undefined ? {} : { s: token.stableId })
    }),
    "utf8"
  ).toString("base64url")
  return `${TOKEN_PREFIX}.${payload}.${check(payload)}`
}

const invalid = (reason: string): InvalidToken =>
  new InvalidToken({ reason, message: `not a valid continuation token: ${reason}` })

export type DecodedToken =
  | { readonly _tag: "Ok"; readonly token: ContinuationToken }
  | { readonly _tag: "Invalid"; readonly error: InvalidToken }

/** Decodes a token; never throws. */
export const decodeToken = (text: string): DecodedToken => {
  const parts = text.trim().split(".")
  if (parts[0] !== TOKEN_PREFIX) {
    return {
      _tag: "Invalid",
      error: invalid(parts[0]?.startsWith("cct") ? `unknown version ${parts[0]}` : "no cct1 prefix")
    }
  }
  if (parts.length !== 3) return { _tag: "Invalid", error: invalid("wrong number of parts (truncated?)") }
  const [, payload = "", sum = ""] = parts
  if (!/^[A-Za-z0-9_-]+$/.test(payload) || check(payload) !== sum) {
    return { _tag: "Invalid", error: invalid("check bytes do not match (truncated or edited)") }
  }
  let value: unknown
  try {
    value = JSON.parse(Buffer.from(payload, "base64url").toString("utf8"))
  } catch {
    return { _tag: "Invalid", error: invalid("payload is not JSON") }
  }
  const decoded = decodePayload(value)
  if (Exit.isFailure(decoded)) return { _tag: "Invalid", error: invalid("payload does not match the token schema") }
  const p = decoded.value
  return {
    _tag: "Ok",
    token: {
      startedAt: new Date(p.t),
      cwd: p.c,
      promptHashPrefix: p.h,
      ...(p.s === undefined ? {} : { stableId: p.s })
    }
  }
}

export const isTokenLike = (text: string): boolean => text.startsWith("cct")
