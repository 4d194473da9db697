/** What a user types for a session: a stable id, a Claude id, a unique prefix of either, or a token. */
import { type ClaudeSessionId, isClaudeSessionId, isStableId, type StableId } from "@cc/events"
import { InvalidReference } from "./errors.js"
import { type ContinuationToken, decodeToken, isTokenLike } from "./token.js"

export type Reference =
  | { readonly _tag: "Stable"; readonly id: StableId }
  | { readonly _tag: "Claude"; readonly id: ClaudeSessionId }
  | { readonly _tag: "Prefix"; readonly prefix: string }
  | { readonly _tag: "Token"; readonly token: ContinuationToken }

/** Parses what a user typed: stable id, Claude id, a unique prefix of either, or a token. */
export const parseReference = (text: string): Reference => {
  const ref = text.trim().toLowerCase()
  if (isStableId(ref)) return { _tag: "Stable", id: ref }
  if (isClaudeSessionId(ref)) return { _tag: "Claude", id: ref }
  if (isTokenLike(text.trim())) {
    const decoded = decodeToken(text.trim())
    if (decoded._tag === "Invalid") throw decoded.error
    return { _tag: "Token", token: decoded.token }
  }
  const bare = ref.startsWith("cc-session-") ? ref.slice("cc-session-".length) : ref
  if (/^[0-9a-f][0-9a-f-]{3,35}$/.test(bare)) return { _tag: "Prefix", prefix: ref }
  throw new InvalidReference({
    reference: text,
    message: `"${text.slice(0, 80)}" is not a session reference (a cc-session id, a Claude session id, a unique prefix of at least 4 characters, or a cct1 token)`
  })
}

/** What a source's name for a session can look like: `channelcoder:refactor`, `detached-1795807425164`. */
export const PLAUSIBLE_NAME = /^[\w.@/:+-]{1,200}$/
