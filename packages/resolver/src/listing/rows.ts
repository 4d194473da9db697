/**
 * The rows of `ls --all` (and of `search`): every chain in this machine's Claude homes, one row
 * each (a 1.0.x resume chain or a hand-off is one conversation; a fork is a row of its own that
 * names its parent), with what Claude and the SDK recorded of it; made from the transcript index
 * and the event log (`listing.ts` keeps them between runs).
 */
import { type IndexedTranscript, isArchived, type TranscriptCache } from "@cc/cache"
import { ClaudeSessionId, HOST, jsonDecoder, onlyOne, orderChainMembers, type SessionMap, StableId } from "@cc/events"
import { isProgrammatic, type SessionRecords, sessionTitle } from "@cc/sources"
import * as Schema from "effect/Schema"
import { ListingUnreadable } from "../errors.js"
import { forkedFromIn } from "../fork-of.js"
import type { Resolver } from "../resolver.js"
import type { ListingLog } from "./log.js"

/** A row of `ls --all` as `--json` prints it, and as a kept listing is read back. */
export const ChainRow = Schema.Struct({
  id: Schema.NullOr(StableId),
  status: Schema.String,
  claudeSessionIds: Schema.Array(ClaudeSessionId),
  latestClaudeSessionId: ClaudeSessionId,
  forkedFrom: Schema.NullOr(
    Schema.Struct({ claudeSessionId: Schema.NullOr(ClaudeSessionId), stableId: Schema.NullOr(StableId) })
  ),
  cwd: Schema.NullOr(Schema.String),
  /** The host its transcripts are on: this one (the index holds this machine's Claude homes). */
  host: Schema.String,
  firstActivity: Schema.NullOr(Schema.String),
  lastActivity: Schema.NullOr(Schema.String),
  /** The newest modification time of its transcripts, in ms (the SDK's `lastModified`, which it sorts by). */
  lastModified: Schema.Number,
  claudeVersion: Schema.NullOr(Schema.String),
  transcriptBytes: Schema.Number,
  /** The stable session's label (`channelcoder:<name>`), if it has one. */
  label: Schema.NullOr(Schema.String),
  /** Claude's own title (custom title, agent name, AI title), else the first prompt: as its picker and the SDK show it. */
  title: Schema.NullOr(Schema.String),
  /** The title recorded for it (a custom title, else an AI title): the SDK's `customTitle`; null when none was. */
  customTitle: Schema.NullOr(Schema.String),
  /** The first prompt's first 200 characters. */
  firstPrompt: Schema.NullOr(Schema.String),
  /** The branch of the latest member. */
  gitBranch: Schema.NullOr(Schema.String),
  tag: Schema.NullOr(Schema.String),
  /** How it was started (`cli`, `sdk-cli`, `sdk-ts`, `sdk-py`), from its first member. */
  entrypoint: Schema.NullOr(Schema.String),
  /** Started by an SDK or a daemon rather than a person at a terminal. */
  programmatic: Schema.Boolean,
  /** The pull requests its members were linked to. */
  prLinks: Schema.Array(Schema.String),
  /** The subagent transcripts (Tasks) of all its members (`<id>/subagents/agent-*.jsonl`). */
  subagents: Schema.Int,
  /** The SDK's archive mark on its latest member: null if it never had one (archived rows are hidden unless `--archived`). */
  archived: Schema.NullOr(Schema.Boolean),
  /** The cwd the transcript records, when `--map` shows it elsewhere on this host (`cwd`). */
  recordedCwd: Schema.optionalKey(Schema.String),
  /** A chain Claude's cleanup deleted that the vault kept: "deleted from <home>, kept". */
  transcript: Schema.optionalKey(Schema.String)
})
export type ChainRow = typeof ChainRow.Type

const decodeListing = jsonDecoder(Schema.Array(ChainRow), "not an ls --all listing")

/** The rows of a listing's bytes (made by this code from typed rows, or kept with a digest: a failure is a bug, said plainly). */
export const listingRows = (bytes: Buffer): ReadonlyArray<ChainRow> => {
  const decoded = decodeListing(bytes.toString("utf8"))
  if (decoded._tag === "Bad")
    throw new ListingUnreadable({ message: `the ls --all listing could not be read: ${decoded.reason}` })
  return decoded.value
}

export interface Member {
  readonly claudeSessionId: ClaudeSessionId
  readonly archive?: NonNullable<IndexedTranscript["archive"]>
  readonly subagents?: NonNullable<IndexedTranscript["subagents"]>
  readonly records?: SessionRecords
  readonly firstPrompt?: string
  readonly gitBranch?: string
  readonly cwd?: string
  readonly firstTimestamp?: string
  readonly lastTimestamp?: string
  readonly claudeVersion?: string
  readonly size: number
  readonly mtimeMs: number
}

/** The same id in two Claude homes (a copy, a synced folder) is one member: its newest copy. */
const oneCopyEach = (members: ReadonlyArray<Member>): ReadonlyArray<Member> => {
  const newest = new Map<string, Member>()
  const activity = (m: Member) => m.lastTimestamp ?? m.firstTimestamp ?? ""
  for (const m of members) {
    const seen = newest.get(m.claudeSessionId)
    if (seen === undefined || activity(m) > activity(seen) || (activity(m) === activity(seen) && m.size > seen.size))
      newest.set(m.claudeSessionId, m)
  }
  return newest.size === members.length ? members : [...newest.values()]
}

/** Groups transcripts into chains over resume links (union-find: one pass, whatever the size). */
export const chainsOf = (
  given: ReadonlyArray<Member>,
  links: ReadonlyArray<{ readonly from: string; readonly to: string; readonly kind: string }>
): Array<Array<Member>> => {
  const members = oneCopyEach(given)
  const parent = new Map<string, string>()
  const find = (x: string): string => {
    let root = x
    while (parent.get(root) !== root && parent.get(root) !== undefined) root = parent.get(root) as string
    let node = x
    while (node !== root) {
      const next = parent.get(node) as string
      parent.set(node, root)
      node = next
    }
    return root
  }
  for (const m of members) parent.set(m.claudeSessionId, m.claudeSessionId)
  for (const l of links) {
    if (l.kind === "fork" || !parent.has(l.from) || !parent.has(l.to)) continue
    const a = find(l.from)
    const b = find(l.to)
    // the smaller id becomes the root: the grouping does not depend on the order of the links
    const [low, high] = a < b ? [a, b] : [b, a]
    if (low !== high) parent.set(high, low)
  }
  const groups = new Map<string, Array<Member>>()
  for (const m of members) {
    const root = find(m.claudeSessionId)
    const group = groups.get(root)
    if (group === undefined) groups.set(root, [m])
    else group.push(m)
  }
  // each chain in the one chain order: its links, then its members' first entries
  const linksOf = new Map<string, Array<(typeof links)[number]>>()
  for (const l of links) {
    if (l.kind === "fork" || !parent.has(l.from) || !parent.has(l.to)) continue
    const root = find(l.from)
    const own = linksOf.get(root)
    if (own === undefined) linksOf.set(root, [l])
    else own.push(l)
  }
  return [...groups].map(([root, g]) => {
    if (g.length === 1) return g
    const byId = new Map(g.map((m) => [m.claudeSessionId, m]))
    return orderChainMembers(byId.keys(), linksOf.get(root) ?? [], (id) => byId.get(id)?.firstTimestamp).flatMap(
      (id) => byId.get(id) ?? []
    )
  })
}

/** What Claude and the SDK recorded of a chain: the newest member's title and tag win, its first member's prompt and entrypoint. */
export const chainRecords = (
  chain: ReadonlyArray<Member>
): Pick<
  ChainRow,
  | "title"
  | "customTitle"
  | "firstPrompt"
  | "gitBranch"
  | "tag"
  | "entrypoint"
  | "programmatic"
  | "prLinks"
  | "subagents"
  | "archived"
> => {
  const newestFirst = [...chain].reverse()
  const first = chain[0]
  const firstPrompt = first?.firstPrompt ?? null
  const named = newestFirst.map((m) => m.records ?? {}).find((r) => sessionTitle(r) !== undefined)
  const tagged = newestFirst.map((m) => m.records?.tag).find((tag) => tag !== undefined)
  const customTitle = newestFirst.map((m) => m.records?.customTitle ?? m.records?.aiTitle).find((t) => t !== undefined)
  return {
    title: (named === undefined ? undefined : sessionTitle(named)) ?? firstPrompt,
    customTitle: customTitle ?? null,
    firstPrompt,
    gitBranch: newestFirst.map((m) => m.records?.lastGitBranch ?? m.gitBranch).find((b) => b !== undefined) ?? null,
    tag: tagged ?? null,
    entrypoint: first?.records?.entrypoint ?? null,
    programmatic: first?.records !== undefined && isProgrammatic(first.records),
    prLinks: [...new Set(chain.flatMap((m) => (m.records?.prLink === undefined ? [] : [m.records.prLink.url])))],
    subagents: chain.reduce((n, m) => n + (m.subagents?.count ?? 0), 0),
    archived: newestFirst[0] === undefined ? null : (isArchived(newestFirst[0]) ?? null)
  }
}

/** The store's sessions, a run whose processes are gone given its true status first. */
export const settledSessions = async (resolver: Resolver): Promise<SessionMap> => {
  const map = await resolver.sessions()
  const running = [...map.sessions.values()].filter((v) => v.status === "running")
  for (const v of running) await resolver.settle(v.id)
  return running.length > 0 ? resolver.sessions() : map
}

/** A chain's row: what its transcripts say, and what the log says of the stable session that owns it. */
export const rowOf = (chain: ReadonlyArray<Member>, log: ListingLog, cache: TranscriptCache): ChainRow | undefined => {
  const ids = chain.map((m) => m.claudeSessionId)
  const latest = chain.at(-1)
  if (latest === undefined) return undefined
  const owners = [...new Set(ids.flatMap((id) => log.ownersOf(id)))]
  const stableId = onlyOne(owners) ?? null
  const session = stableId === null ? undefined : log.sessionOf(stableId)
  const lastActivity = chain.reduce<string | null>((max, m) => {
    const at = m.lastTimestamp ?? m.firstTimestamp
    return at !== undefined && (max === null || at > max) ? at : max
  }, null)
  return {
    id: stableId,
    status: session?.status ?? "unknown",
    claudeSessionIds: ids,
    latestClaudeSessionId: latest.claudeSessionId,
    forkedFrom: forkedFromIn(ids, session, {
      transcriptLinksInto: (id) => cache.linksInto(id),
      latestOf: (id) => log.sessionOf(id)?.latestClaudeSessionId,
      ownersOf: log.ownersOf
    }),
    cwd: latest.cwd ?? chain[0]?.cwd ?? null,
    host: HOST,
    firstActivity: chain[0]?.firstTimestamp ?? null,
    lastActivity,
    // as the SDK has it: a stat's Date (Node rounds its mtimeMs)
    lastModified: chain.reduce((max, m) => Math.max(max, Math.round(m.mtimeMs)), 0),
    claudeVersion: latest.claudeVersion ?? null,
    transcriptBytes: chain.reduce((n, m) => n + m.size, 0),
    label: session?.label ?? null,
    ...chainRecords(chain)
  }
}

/** The listing's order: newest activity first, then by latest Claude id (one order, however the rows were made). */
export const newestFirst = (
  a: { readonly lastActivity: string | null; readonly latest: string },
  b: { readonly lastActivity: string | null; readonly latest: string }
): number => {
  const x = a.lastActivity ?? ""
  const y = b.lastActivity ?? ""
  return x < y ? 1 : x > y ? -1 : a.latest < b.latest ? -1 : a.latest > b.latest ? 1 : 0
}
