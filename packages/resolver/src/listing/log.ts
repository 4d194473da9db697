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
 * The digest of the folded log kept with a listing, as one line of entries in the order of
 * their keys, each found by a binary search over the bytes and never parsed whole (an update
 * asks it of a few sessions, and parsing, or scanning, ten thousand would cost more than the
 * rest of the update): each entry is `\x1e`, `o` and a Claude id or `s` and a stable id,
 * `\x1f`, then its value as JSON (the owners; the session's facts), and a last `\x1e` ends
 * them. JSON escapes both separators, so no value holds one.
 */
const ENTRY = "\x1e"
const VALUE = "\x1f"

/**
 * The digest of the folded log, or `undefined` when a session in it is still running: its
 * status is settled (its processes looked at) only by a listing that folds the log.
 */
export const listingLogDigest = (map: SessionMap): Buffer | undefined => {
  const entries: Array<readonly [key: string, value: string]> = []
  for (const [id, view] of map.sessions) {
    if (view.status === "running") return undefined
    const session: LoggedSessionJson = {
      status: view.status,
      label: view.label ?? null,
      latest: view.latestClaudeSessionId ?? null,
      forkOf: view.forkOf ?? null,
      forkLinks: view.links.filter((l) => l.kind === "fork").map(({ from, to }) => ({ from, to }))
    }
    entries.push([`s${id}`, JSON.stringify(session)])
  }
  for (const [id, owners] of map.byClaudeId) entries.push([`o${id}`, JSON.stringify(owners)])
  // keys are ASCII: the order of strings is the order of their bytes, the one the search goes by
  entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
  return Buffer.from(`${entries.map(([key, value]) => `${ENTRY}${key}${VALUE}${value}`).join("")}${ENTRY}`)
}

/** An entry of a kept digest did not decode: the listing is made afresh from the log. */
export class DamagedLogDigest extends Error {
  override readonly name = "DamagedLogDigest"
}

const ENTRY_BYTE = ENTRY.charCodeAt(0)
const VALUE_BYTE = VALUE.charCodeAt(0)

/**
 * Where the value of the entry keyed `key` is (`[from, to)`), by a binary search over the
 * digest's bytes: the entry a probe lands in starts at the last `\x1e` before it. A digest
 * whose bytes break the shape throws `DamagedLogDigest`.
 */
const valueSpan = (digest: Buffer, key: Buffer): readonly [number, number] | undefined => {
  const last = digest.length - 1
  if (digest[0] !== ENTRY_BYTE || digest[last] !== ENTRY_BYTE) throw new DamagedLogDigest("its ends")
  // the entries starting in [lo, hi) are the ones the key can be; lo is always an entry's start
  let lo = 0
  let hi = last
  while (lo < hi) {
    const start = digest.lastIndexOf(ENTRY_BYTE, lo + ((hi - lo) >>> 1))
    const keyEnd = digest.indexOf(VALUE_BYTE, start + 1)
    const next = digest.indexOf(ENTRY_BYTE, start + 1)
    if (keyEnd === -1 || next === -1 || keyEnd > next) throw new DamagedLogDigest(`the entry at ${start}`)
    const order = Buffer.compare(digest.subarray(start + 1, keyEnd), key)
    if (order === 0) return [keyEnd + 1, next]
    if (order < 0) lo = next
    else hi = start
  }
  return undefined
}

/** The value of one entry of a digest, parsed, or `undefined` if it has none. */
const entryOf = (digest: Buffer, kind: "o" | "s", id: string): unknown => {
  const span = valueSpan(digest, Buffer.from(`${kind}${id}`))
  if (span === undefined) return undefined
  try {
    return JSON.parse(digest.subarray(span[0], span[1]).toString("utf8"))
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
