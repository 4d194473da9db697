/**
 * `ls`: the sessions in the store. `ls --all`: every Claude session in every Claude home, one
 * row per chain (a 1.0.x resume chain is one conversation; a fork is a row of its own that
 * names its parent), served from the transcript index, newest activity first.
 */
import { resolve } from "node:path"
import { type IndexedTranscript, indexFileIn, isArchived, TranscriptCache } from "@cc/cache"
import {
  ClaudeSessionId,
  HOST,
  jsonDecoder,
  onlyOne,
  orderChainMembers,
  type SessionMap,
  type SessionView,
  StableId,
  storeLayout
} from "@cc/events"
import { applyMappings, cwdRelation, type Resolver } from "@cc/resolver"
import { isProgrammatic, type SessionRecords, sessionTitle } from "@cc/sources"
import * as Schema from "effect/Schema"
import { CliFailure, type Context, optionValue, warnSkippedLines, warnUnreadable } from "../context.js"
import { listingCacheFile, listingKey, readListing, saveListing } from "../listing-cache.js"
import { type Column, renderTable, terminalWidth } from "../table.js"
import { showObject } from "./show.js"

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
  claudeVersion: Schema.NullOr(Schema.String),
  transcriptBytes: Schema.Number,
  /** The stable session's label (`channelcoder:<name>`), if it has one. */
  label: Schema.NullOr(Schema.String),
  /** Claude's own title (custom title, agent name, AI title), else the first prompt: as its picker and the SDK show it. */
  title: Schema.NullOr(Schema.String),
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
  /** The SDK's archive mark on its latest member: null if it never had one (archived rows are hidden unless `--archived`). */
  archived: Schema.NullOr(Schema.Boolean),
  /** The cwd the transcript records, when `--map` shows it elsewhere on this host (`cwd`). */
  recordedCwd: Schema.optionalKey(Schema.String)
})
export type ChainRow = typeof ChainRow.Type

const decodeListing = jsonDecoder(Schema.Array(ChainRow), "not an ls --all listing")

interface Member {
  readonly claudeSessionId: ClaudeSessionId
  readonly archive?: NonNullable<IndexedTranscript["archive"]>
  readonly records?: SessionRecords
  readonly firstPrompt?: string
  readonly gitBranch?: string
  readonly cwd?: string
  readonly firstTimestamp?: string
  readonly lastTimestamp?: string
  readonly claudeVersion?: string
  readonly size: number
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
const chainRecords = (
  chain: ReadonlyArray<Member>
): Pick<
  ChainRow,
  "title" | "firstPrompt" | "gitBranch" | "tag" | "entrypoint" | "programmatic" | "prLinks" | "archived"
> => {
  const newestFirst = [...chain].reverse()
  const first = chain[0]
  const firstPrompt = first?.firstPrompt ?? null
  const named = newestFirst.map((m) => m.records ?? {}).find((r) => sessionTitle(r) !== undefined)
  const tagged = newestFirst.map((m) => m.records?.tag).find((tag) => tag !== undefined)
  return {
    title: (named === undefined ? undefined : sessionTitle(named)) ?? firstPrompt,
    firstPrompt,
    gitBranch: newestFirst.map((m) => m.records?.lastGitBranch ?? m.gitBranch).find((b) => b !== undefined) ?? null,
    tag: tagged ?? null,
    entrypoint: first?.records?.entrypoint ?? null,
    programmatic: first?.records !== undefined && isProgrammatic(first.records),
    prLinks: [...new Set(chain.flatMap((m) => (m.records?.prLink === undefined ? [] : [m.records.prLink.url])))],
    archived: newestFirst[0] === undefined ? null : (isArchived(newestFirst[0]) ?? null)
  }
}

const parseSince = (text: string | undefined): number | undefined => {
  if (text === undefined) return undefined
  const relative = /^(\d+)([mhdw])$/.exec(text)
  if (relative !== null) {
    const unit = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 }[relative[2] as "m" | "h" | "d" | "w"]
    return Date.now() - Number(relative[1]) * unit
  }
  const at = Date.parse(text)
  if (Number.isNaN(at))
    throw new CliFailure(
      "usage",
      `--since takes a date (2026-11-20, an ISO time) or an age (30m, 12h, 7d, 2w), not ${JSON.stringify(text.slice(0, 40))}`
    )
  return at
}

const parseLimit = (text: string | undefined): number | undefined => {
  if (text === undefined) return undefined
  if (!/^\d+$/.test(text) || Number(text) === 0)
    throw new CliFailure("usage", `--limit takes a whole number above 0, not ${JSON.stringify(text.slice(0, 40))}`)
  return Number(text)
}

const colour = (ctx: Context) => !ctx.json && process.stdout.isTTY === true && (process.env.NO_COLOR ?? "") === ""
const statusColours: Record<string, string> = { running: "36", finished: "32", failed: "31", lost: "33" }

const table = (ctx: Context, columns: ReadonlyArray<Column>) => {
  for (const line of renderTable(columns, terminalWidth(process.stdout), colour(ctx))) ctx.out(line)
}

/**
 * A row as this host sees it: a container's path (`--map`) shown where it is here, which is
 * where `resume` runs it; the path the transcript records is kept beside it.
 */
const onThisHost = (row: ChainRow, ctx: Context): ChainRow => {
  if (row.cwd === null || ctx.mappings.length === 0) return row
  const here = applyMappings(row.cwd, ctx.mappings)
  return here === row.cwd ? row : { ...row, cwd: here, recordedCwd: row.cwd }
}

const short = (text: string | null) => (text === null ? "-" : text)
/** A title or prompt in one table cell: its first line, at most `max` characters. */
const oneLine = (text: string, max: number): string => {
  const first = text.split(/\r?\n/, 1)[0] ?? ""
  const chars = [...first]
  return chars.length > max ? `${chars.slice(0, max - 1).join("")}…` : first
}
const day = (iso: string | null) => (iso === null ? "-" : iso.slice(0, 16).replace("T", " "))

export const ls = async (ctx: Context): Promise<void> => {
  const cwd = optionValue(ctx, "--cwd")
  const since = parseSince(optionValue(ctx, "--since"))
  const limit = parseLimit(optionValue(ctx, "--limit"))
  const near = (path: string | null | undefined) =>
    cwd === undefined ||
    (path !== null && path !== undefined && cwdRelation(resolve(cwd), path, { mappings: ctx.mappings }) !== "none")
  if (ctx.parsed.flags.has("--all")) {
    const { rows, archivedRows } = await allChains(ctx)
    const withArchived = ctx.parsed.flags.has("--archived")
    // unfiltered JSON is the listing as it was made (or kept): printed as it is
    const tag = optionValue(ctx, "--tag")
    const branch = optionValue(ctx, "--branch")
    const programmatic = ctx.parsed.flags.has("--programmatic")
      ? true
      : ctx.parsed.flags.has("--no-programmatic")
        ? false
        : undefined
    if (ctx.parsed.flags.has("--programmatic") && ctx.parsed.flags.has("--no-programmatic"))
      throw new CliFailure("usage", "--programmatic and --no-programmatic exclude each other")
    const plain =
      cwd === undefined &&
      since === undefined &&
      limit === undefined &&
      tag === undefined &&
      branch === undefined &&
      programmatic === undefined &&
      (withArchived || archivedRows === 0) &&
      ctx.mappings.length === 0
    if (ctx.json && plain) return ctx.outBytes(rows)
    const decoded = decodeListing(rows.toString("utf8"))
    // made by this code from typed rows, or kept with a digest: a failure here is a bug, said plainly
    if (decoded._tag === "Bad") throw new CliFailure("io", `the ls --all listing could not be read: ${decoded.reason}`)
    const listed = decoded.value
      .map((r) => onThisHost(r, ctx))
      .filter(
        (r) =>
          near(r.cwd) &&
          (since === undefined || (r.lastActivity !== null && Date.parse(r.lastActivity) >= since)) &&
          (tag === undefined || r.tag === tag) &&
          (branch === undefined || r.gitBranch === branch) &&
          (programmatic === undefined || r.programmatic === programmatic) &&
          (withArchived || r.archived !== true)
      )
      .slice(0, limit)
    if (ctx.json) return ctx.out(JSON.stringify(listed))
    return table(ctx, [
      { header: "ID", cells: listed.map((r) => short(r.id)), id: { strip: "cc-session-" } },
      { header: "STATUS", cells: listed.map((r) => r.status), colours: statusColours },
      ...(listed.some((r) => (r.label ?? null) !== null)
        ? [{ header: "NAME", cells: listed.map((r) => r.label ?? "-"), drop: 4 }]
        : []),
      ...(listed.some((r) => r.title !== null)
        ? [{ header: "TITLE", cells: listed.map((r) => oneLine(r.title ?? "-", 40)), drop: 5 }]
        : []),
      ...(listed.some((r) => r.tag !== null)
        ? [{ header: "TAG", cells: listed.map((r) => r.tag ?? "-"), drop: 3.5 }]
        : []),
      { header: "LATEST CLAUDE ID", cells: listed.map((r) => r.latestClaudeSessionId), id: { short: "LATEST" } },
      { header: "RUNS", cells: listed.map((r) => String(r.claudeSessionIds.length)), drop: 1 },
      { header: "LAST ACTIVITY", cells: listed.map((r) => day(r.lastActivity)), drop: 3 },
      {
        header: "FORKED",
        cells: listed.map((r) =>
          r.forkedFrom === null ? "-" : `fork of ${r.forkedFrom.claudeSessionId?.slice(0, 8) ?? "?"}`
        ),
        drop: 2
      },
      { header: "CWD", cells: listed.map((r) => short(r.cwd)) }
    ])
  }

  const { resolver } = await ctx.open()
  const map = await settledSessions(resolver)
  const views = [...map.sessions.values()]
    .filter((v) => near(v.cwd) && (since === undefined || Date.parse(v.updatedAt) >= since))
    .sort((a, b) => (a.createdAt < b.createdAt ? -1 : 1))
    .slice(0, limit)
  // a store session's parent is in its own events (a fork made here, or adopted with its
  // link): listing them all needs no transcript read
  const objects = views.map((stored: SessionView) => {
    const v = resolver.inChainOrder(stored)
    return showObject(v, resolver.forkedFromOf(v.claudeSessionIds, v, { transcripts: false }))
  })
  if (ctx.json) return ctx.out(JSON.stringify(objects))
  return table(ctx, [
    { header: "ID", cells: objects.map((o) => o.id), id: { strip: "cc-session-" } },
    { header: "STATUS", cells: objects.map((o) => o.status), colours: statusColours },
    ...(objects.some((o) => o.label !== undefined)
      ? [{ header: "NAME", cells: objects.map((o) => o.label ?? "-"), drop: 3 }]
      : []),
    { header: "LATEST CLAUDE ID", cells: objects.map((o) => short(o.latestClaudeSessionId)), id: { short: "LATEST" } },
    { header: "CREATED", cells: objects.map((o) => day(o.createdAt)), drop: 2 },
    { header: "HOST", cells: objects.map((o) => o.host ?? "-"), drop: 1 },
    { header: "CWD", cells: objects.map((o) => short(o.cwd)) }
  ])
}

/** The store's sessions, a run whose processes are gone given its true status first. */
const settledSessions = async (resolver: Resolver): Promise<SessionMap> => {
  const map = await resolver.sessions()
  const running = [...map.sessions.values()].filter((v) => v.status === "running")
  for (const v of running) await resolver.settle(v.id)
  return running.length > 0 ? resolver.sessions() : map
}

/**
 * Every chain in this machine's Claude homes, newest activity first, as the `--json` text.
 * When neither the transcripts nor the event log changed since the last listing (the index's
 * refresh is the check: one stat per transcript), it is that listing again.
 */
const allChains = async (ctx: Context): Promise<{ readonly rows: Buffer; readonly archivedRows: number }> => {
  const indexFile = indexFileIn(ctx.storeDir)
  const savedAt = listingCacheFile(ctx.storeDir)
  const keyNow = () => listingKey(ctx.storeDir, indexFile, ctx.claudeHomes)
  // a shared log (PostgreSQL) changes without this machine seeing it: listed afresh each time
  const keep = ctx.sharedLog === false
  if (keep) {
    const transcripts = await TranscriptCache.open({ roots: ctx.claudeHomes, file: indexFile })
    await transcripts.refresh()
    warnUnreadable(ctx.warn, transcripts.diagnostics())
    const saved = readListing(savedAt, keyNow())
    if (saved !== undefined) {
      warnSkippedLines(ctx.warn, storeLayout(ctx.storeDir).events, saved.skipped)
      return saved
    }
  }
  const { resolver, cache } = await ctx.open()
  await cache.ensureFresh()
  // what the listing is made from, taken before it is read: a change after it is not kept
  const before = keyNow()
  const map = await settledSessions(resolver)
  const rows: Array<ChainRow> = []
  for (const chain of chainsOf(cache.all(), cache.links())) {
    const ids = chain.map((m) => m.claudeSessionId)
    const latest = chain.at(-1)
    if (latest === undefined) continue
    const owners = [...new Set(ids.flatMap((id) => map.byClaudeId.get(id) ?? []))]
    const stableId = onlyOne(owners) ?? null
    const view = stableId === null ? undefined : map.sessions.get(stableId)
    const lastActivity = chain.reduce<string | null>((max, m) => {
      const at = m.lastTimestamp ?? m.firstTimestamp
      return at !== undefined && (max === null || at > max) ? at : max
    }, null)
    rows.push({
      id: stableId,
      status: view?.status ?? "unknown",
      claudeSessionIds: ids,
      latestClaudeSessionId: latest.claudeSessionId,
      forkedFrom: resolver.forkedFromOf(ids, view),
      cwd: latest.cwd ?? chain[0]?.cwd ?? null,
      host: HOST,
      firstActivity: chain[0]?.firstTimestamp ?? null,
      lastActivity,
      claudeVersion: latest.claudeVersion ?? null,
      transcriptBytes: chain.reduce((n, m) => n + m.size, 0),
      label: view?.label ?? null,
      ...chainRecords(chain)
    })
  }
  rows.sort((a, b) =>
    (a.lastActivity ?? "") < (b.lastActivity ?? "") ? 1 : (a.lastActivity ?? "") > (b.lastActivity ?? "") ? -1 : 0
  )
  const archivedRows = rows.filter((r) => r.archived === true).length
  const text = Buffer.from(JSON.stringify(rows))
  // kept only if nothing moved while it was made, and no run in it is still going (its status
  // is checked again next time)
  if (keep && keyNow() === before && !rows.some((r) => r.status === "running")) {
    await saveListing(savedAt, before, text, resolver.logDiagnostics(), archivedRows)
  }
  return { rows: text, archivedRows }
}
