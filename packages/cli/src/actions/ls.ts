/**
 * `ls`: the sessions in the store. `ls --all`: every Claude session in every Claude home, one
 * row per chain (a 1.0.x resume chain is one conversation; a fork is a row of its own that
 * names its parent), served from the transcript index, newest activity first.
 */
import { resolve } from "node:path"
import type { SessionView } from "@cc/events"
import { allChains, applyMappings, type ChainRow, cwdRelation, listingRows, settledSessions } from "@cc/resolver"
import { CliFailure, type Context, optionValue } from "../context.js"
import { ageMs } from "../durations.js"
import { type Column, renderTable, terminalWidth } from "../table.js"
import { showObject } from "./show.js"

const parseSince = (text: string | undefined): number | undefined => {
  if (text === undefined) return undefined
  const age = ageMs(text)
  if (age !== undefined) return Date.now() - age
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

/** The rows whose conversation holds `text` (`--grep`; `--regex` for a regular expression). */
const withMatch = async (ctx: Context, rows: ReadonlyArray<ChainRow>, text: string): Promise<Array<ChainRow>> => {
  const { chainHit, matcherOf, memoryOf } = await import("./search.js")
  const regex = ctx.parsed.flags.has("--regex")
  const matcher = matcherOf(text, regex)
  const memory = memoryOf(ctx, text, regex)
  const { cache } = await ctx.open()
  const kept: Array<ChainRow> = []
  for (const row of rows) if ((await chainHit(cache, row, matcher, memory)) !== undefined) kept.push(row)
  memory?.save()
  return kept
}

const short = (text: string | null) => (text === null ? "-" : text)
/** A title or prompt in one table cell: its first line, at most `max` characters. */
const oneLine = (text: string, max: number): string => {
  const first = text.split(/\r?\n/, 1)[0] ?? ""
  const chars = [...first]
  return chars.length > max ? `${chars.slice(0, max - 1).join("")}…` : first
}
const day = (iso: string | null) => (iso === null ? "-" : iso.slice(0, 16).replace("T", " "))

/** The listing's JSON array with more rows at its end. */
const withRows = (rows: Buffer, more: ReadonlyArray<ChainRow>): Buffer => {
  const extra = more.map((row) => JSON.stringify(row)).join(",")
  return rows.length <= 2
    ? Buffer.from(`[${extra}]`)
    : Buffer.concat([rows.subarray(0, rows.lastIndexOf("]")), Buffer.from(`,${extra}]`)])
}

interface ListFilters {
  readonly cwd: string | undefined
  readonly since: number | undefined
  readonly limit: number | undefined
  readonly near: (path: string | null | undefined) => boolean
}

/** `ls --all` printed: as kept, filtered, or as a table. */
const listAll = async (ctx: Context, rows: Buffer, archivedRows: number, { cwd, since, limit, near }: ListFilters) => {
  const withArchived = ctx.parsed.flags.has("--archived")
  // unfiltered JSON is the listing as it was made (or kept): printed as it is
  const tag = optionValue(ctx, "--tag")
  const grep = optionValue(ctx, "--grep")
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
    grep === undefined &&
    (withArchived || archivedRows === 0) &&
    ctx.mappings.length === 0
  // chains Claude's cleanup deleted whole and the vault kept: after the others
  const deleted = await (await import("./vault.js")).deletedButKept(ctx)
  if (ctx.json && plain) return ctx.outBytes(deleted.length === 0 ? rows : withRows(rows, deleted))
  const filtered = [...listingRows(rows), ...deleted]
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
  const listed = (grep === undefined ? filtered : await withMatch(ctx, filtered, grep)).slice(0, limit)
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

export const ls = async (ctx: Context): Promise<void> => {
  const cwd = optionValue(ctx, "--cwd")
  const since = parseSince(optionValue(ctx, "--since"))
  const limit = parseLimit(optionValue(ctx, "--limit"))
  const near = (path: string | null | undefined) =>
    cwd === undefined ||
    (path !== null && path !== undefined && cwdRelation(resolve(cwd), path, { mappings: ctx.mappings }) !== "none")
  if (ctx.parsed.flags.has("--all")) {
    const { rows, archivedRows, changed } = await allChains(ctx)
    try {
      return await listAll(ctx, rows, archivedRows, { cwd, since, limit, near })
    } finally {
      // the vault kept fresh with what changed since the last listing
      await (await import("./vault.js")).keepChanged(ctx, changed)
    }
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
