/**
 * What `ls --all` reads of the event log for a row: who owns each Claude id, and of each stable
 * session its status, label and fork facts. From the folded log, or from the digest of it kept
 * with the last listing: while the log has not changed, the rows of a changed project folder
 * are made again from that digest, without folding the log.
 */
import { ClaudeSessionId, type SessionMap, StableId } from "@cc/events"
import * as Exit from "effect/Exit"
import * as Schema from "effect/Schema"
import type { ForkFactsOfSession } from "../fork-of.js"

/** What a listing row takes from one stable session. */
export interface LoggedSession extends ForkFactsOfSession {
  readonly status: string
  readonly label: string | undefined
  readonly latestClaudeSessionId: ClaudeSessionId | undefined
}

export interface ListingLog {
  readonly ownersOf: (id: ClaudeSessionId) => ReadonlyArray<StableId>
  readonly sessionOf: (id: StableId) => LoggedSession | undefined
}

/** The log as the folded map says it. */
export const listingLogOf = (map: SessionMap): ListingLog => ({
  ownersOf: (id) => map.byClaudeId.get(id) ?? [],
  sessionOf: (id) => map.sessions.get(id)
})

const LoggedSessionJson = Schema.Struct({
  status: Schema.String,
  label: Schema.NullOr(Schema.String),
  latest: Schema.NullOr(ClaudeSessionId),
  forkOf: Schema.NullOr(StableId),
  /** Only its fork links: the one rule reads no other. */
  forkLinks: Schema.Array(Schema.Struct({ from: ClaudeSessionId, to: ClaudeSessionId }))
})
type LoggedSessionJson = typeof LoggedSessionJson.Type
const decodeSession = Schema.decodeUnknownExit(LoggedSessionJson)
const decodeOwners = Schema.decodeUnknownExit(Schema.Array(StableId))

/**
 * The digest of the folded log kept with a listing, as one line of entries looked up by a
 * search for their key, never parsed whole (an update asks it of a few sessions, and parsing
 * ten thousand would cost more than the rest of the update): each entry is `\x1e`, `o` and a
 * Claude id or `s` and a stable id, `\x1f`, then its value as JSON (the owners; the session's
 * facts). JSON escapes both separators, so no value holds one.
 */
const ENTRY = "\x1e"
const VALUE = "\x1f"

/**
 * The digest of the folded log, or `undefined` when a session in it is still running: its
 * status is settled (its processes looked at) only by a listing that folds the log.
 */
export const listingLogDigest = (map: SessionMap): Buffer | undefined => {
  const parts: Array<string> = []
  for (const [id, view] of map.sessions) {
    if (view.status === "running") return undefined
    const session: LoggedSessionJson = {
      status: view.status,
      label: view.label ?? null,
      latest: view.latestClaudeSessionId ?? null,
      forkOf: view.forkOf ?? null,
      forkLinks: view.links.filter((l) => l.kind === "fork").map(({ from, to }) => ({ from, to }))
    }
    parts.push(`${ENTRY}s${id}${VALUE}${JSON.stringify(session)}`)
  }
  for (const [id, owners] of map.byClaudeId) parts.push(`${ENTRY}o${id}${VALUE}${JSON.stringify(owners)}`)
  parts.push(ENTRY)
  return Buffer.from(parts.join(""))
}

/** An entry of a kept digest did not decode: the listing is made afresh from the log. */
export class DamagedLogDigest extends Error {
  override readonly name = "DamagedLogDigest"
}

/** The value of one entry of a digest, parsed, or `undefined` if it has none. */
const entryOf = (digest: Buffer, kind: "o" | "s", id: string): unknown => {
  const key = Buffer.from(`${ENTRY}${kind}${id}${VALUE}`)
  const at = digest.indexOf(key)
  if (at === -1) return undefined
  const from = at + key.length
  const to = digest.indexOf(ENTRY, from)
  try {
    return JSON.parse(digest.subarray(from, to === -1 ? digest.length : to).toString("utf8"))
  } catch {
    throw new DamagedLogDigest(`the entry of ${id}`)
  }
}

/**
 * The log as a kept digest says it; each entry is found and decoded (by its Schema) when first
 * asked for, and one that does not decode throws `DamagedLogDigest`.
 */
export const listingLogFromDigest = (digest: Buffer): ListingLog => {
  const sessions = new Map<string, LoggedSession | undefined>()
  const owners = new Map<string, ReadonlyArray<StableId>>()
  return {
    ownersOf: (id) => {
      const known = owners.get(id)
      if (known !== undefined) return known
      const decoded = decodeOwners(entryOf(digest, "o", id) ?? [])
      if (Exit.isFailure(decoded)) throw new DamagedLogDigest(`the owners of ${id}`)
      owners.set(id, decoded.value)
      return decoded.value
    },
    sessionOf: (id) => {
      if (sessions.has(id)) return sessions.get(id)
      const entry = entryOf(digest, "s", id)
      if (entry === undefined) {
        sessions.set(id, undefined)
        return undefined
      }
      const decoded = decodeSession(entry)
      if (Exit.isFailure(decoded)) throw new DamagedLogDigest(`the session ${id}`)
      const stored = decoded.value
      const session: LoggedSession = {
        status: stored.status,
        label: stored.label ?? undefined,
        latestClaudeSessionId: stored.latest ?? undefined,
        forkOf: stored.forkOf ?? undefined,
        links: stored.forkLinks.map((l) => ({ ...l, kind: "fork" }))
      }
      sessions.set(id, session)
      return session
    }
  }
}
