/**
 * `ls --all`'s listing: made from the transcript index and the event log, kept between runs
 * (`kept.ts`), and brought up to date by making again only the rows of the project
 * folders that changed since, while the event log has not.
 *
 * A kept row is reused only when none of the folders its transcripts are in changed, and no
 * chain could have come to reach into it: the folders to make again are closed over the rows
 * that touch them, the copies of their sessions in other Claude homes, and both ends of their
 * links. What comes out is byte for byte the listing a fresh build would print (tested).
 */
import type { TranscriptCache } from "@cc/cache"
import { storeLayout } from "@cc/events"
import {
  type KeptLayout,
  type KeptListing,
  type ListingKeys,
  type ListingLayout,
  listingCacheFile,
  listingKeys,
  type RowPlace,
  readListing,
  saveListing
} from "./kept.js"
import { DamagedLogDigest, type ListingLog, listingLogDigest, listingLogFromDigest, listingLogOf } from "./log.js"
import { type ChainRow, chainsOf, type Member, newestFirst, rowOf, settledSessions } from "./rows.js"
import { type ListingSource, warnSkippedLines, warnUnreadable } from "./source.js"

export interface Listing {
  /** The rows, as `--json` prints them. */
  readonly rows: Buffer
  /** Where each row is: made when the listing is to be kept. */
  readonly layout: () => ListingLayout
  readonly archivedRows: number
  /** A row is of a run still going: its status is looked at again next time, so it is not kept. */
  readonly running: boolean
  /** How many project folders' rows were made (all of them, unless the listing was updated). */
  readonly madeAgain: number
  /**
   * The Claude ids of the rows an update made again (their transcripts changed): of every
   * such row, and of those a stable session owns. None when the listing was kept or made whole.
   */
  readonly changed: { readonly all: ReadonlyArray<string>; readonly owned: ReadonlyArray<string> }
}

const NOTHING_CHANGED = { all: [], owned: [] }

/**
 * An update that made the rows of at most this many folders again is not written back: the
 * whole listing would be rewritten for them, and making them again next time costs less (a
 * live session's folder changes before every listing anyway).
 */
const SAVE_AFTER_FOLDERS = 4

/** A row made now, with what it sorts by. */
interface MadeRow {
  readonly bytes: Buffer
  readonly lastActivity: string | null
  readonly latest: string
  readonly archived: boolean
  readonly folders: ReadonlyArray<string>
  readonly claudeSessionIds: ReadonlyArray<string>
  readonly owned: boolean
}

const madeRow = (row: ChainRow, cache: TranscriptCache): MadeRow => ({
  bytes: Buffer.from(JSON.stringify(row)),
  lastActivity: row.lastActivity,
  latest: row.latestClaudeSessionId,
  archived: row.archived === true,
  folders: [...new Set(row.claudeSessionIds.flatMap((id) => cache.indexedFoldersOf(id)))],
  claudeSessionIds: row.claudeSessionIds,
  owned: row.id !== null
})

/** Where the writer put a row made now, or a run of a kept listing's rows (`from` to `to`, inclusive). */
type Segment =
  | { readonly _tag: "Made"; readonly at: number; readonly row: MadeRow }
  | { readonly _tag: "Kept"; readonly at: number; readonly from: number; readonly to: number }

/** Writes rows end to end as one JSON array, noting where each piece lands (for a layout, if one is asked for). */
class RowsWriter {
  readonly #pieces: Array<Buffer> = [Buffer.from("[")]
  readonly segments: Array<Segment> = []
  #length = 1

  #place(bytes: Buffer): number {
    if (this.segments.length > 0) {
      this.#pieces.push(COMMA)
      this.#length += 1
    }
    const at = this.#length
    this.#pieces.push(bytes)
    this.#length += bytes.length
    return at
  }

  made(row: MadeRow): void {
    this.segments.push({ _tag: "Made", at: this.#place(row.bytes), row })
  }

  /** Kept rows `from` to `to`, consecutive in the kept rows line: copied as one slice. */
  kept(layout: KeptLayout, rows: Buffer, from: number, to: number): void {
    this.segments.push({ _tag: "Kept", at: this.#place(rows.subarray(layout.start(from), layout.end(to))), from, to })
  }

  bytes(): Buffer {
    return Buffer.concat([...this.#pieces, Buffer.from("]")])
  }
}
const COMMA = Buffer.from(",")

/** The layout of what a writer wrote: the folders as they are now, each row where it landed. */
const layoutOf = (cache: TranscriptCache, segments: ReadonlyArray<Segment>, kept?: KeptLayout): ListingLayout => {
  const folders = [...cache.folderFingerprints()]
  const numberOf = new Map(folders.map(([path], i) => [path, i]))
  const rows: Array<RowPlace> = []
  for (const segment of segments) {
    if (segment._tag === "Made") {
      const { row, at } = segment
      rows.push({
        start: at,
        end: at + row.bytes.length,
        lastActivity: row.lastActivity,
        latest: row.latest,
        archived: row.archived,
        folders: row.folders.flatMap((path) => numberOf.get(path) ?? [])
      })
      continue
    }
    if (kept === undefined) continue
    const shift = segment.at - kept.start(segment.from)
    for (let i = segment.from; i <= segment.to; i++)
      rows.push({
        start: kept.start(i) + shift,
        end: kept.end(i) + shift,
        lastActivity: kept.lastActivity(i) || null,
        latest: kept.latest(i),
        archived: kept.archived(i),
        folders: kept.foldersOf(i).flatMap((n) => {
          const path = kept.folders[n]?.[0]
          return path === undefined ? [] : (numberOf.get(path) ?? [])
        })
      })
  }
  return { folders, rows }
}

/** The rows of the chains these transcripts and links make, in the listing's order, and whether a run in them is going. */
const rowsOf = (
  members: ReadonlyArray<Member>,
  links: Parameters<typeof chainsOf>[1],
  log: ListingLog,
  cache: TranscriptCache
): { readonly made: Array<MadeRow>; readonly running: boolean } => {
  const chainRows = chainsOf(members, links).flatMap((chain) => rowOf(chain, log, cache) ?? [])
  return {
    made: chainRows.map((row) => madeRow(row, cache)).sort(newestFirst),
    running: chainRows.some((r) => r.status === "running")
  }
}

/** Every chain of the index, made from scratch. */
const madeListing = (cache: TranscriptCache, log: ListingLog): Listing => {
  const { made, running } = rowsOf(cache.all(), cache.links(), log, cache)
  const writer = new RowsWriter()
  for (const row of made) writer.made(row)
  return {
    rows: writer.bytes(),
    layout: () => layoutOf(cache, writer.segments),
    archivedRows: made.filter((r) => r.archived).length,
    running,
    madeAgain: cache.folderFingerprints().size,
    changed: NOTHING_CHANGED
  }
}

/**
 * The folders whose rows are to be made again: those that changed, closed over the kept rows
 * that touch them, the copies of their sessions in other homes and both ends of their links,
 * a round at a time (a live session's append takes two). Returns them and the kept rows they drop.
 */
const foldersToMake = (
  layout: KeptLayout,
  cache: TranscriptCache
): { readonly folders: ReadonlySet<string>; readonly dropped: ReadonlySet<number> } => {
  const now = cache.folderFingerprints()
  const numberOf = new Map<string, number>()
  const folders = new Set<string>()
  for (const [n, [path, print]] of layout.folders.entries()) {
    numberOf.set(path, n)
    if (now.get(path) !== print) folders.add(path)
  }
  for (const path of now.keys()) if (!numberOf.has(path)) folders.add(path)
  const dropped = new Set<number>()
  for (let round = [...folders]; round.length > 0; ) {
    const next: Array<string> = []
    const reach = (path: string) => {
      if (folders.has(path)) return
      folders.add(path)
      next.push(path)
    }
    const numbers = new Set(round.flatMap((path) => numberOf.get(path) ?? []))
    for (const i of layout.rowsIn(numbers)) {
      if (dropped.has(i)) continue
      dropped.add(i)
      for (const n of layout.foldersOf(i)) {
        const path = layout.folders[n]?.[0]
        if (path !== undefined) reach(path)
      }
    }
    const ids = new Set<string>()
    for (const path of round) {
      for (const id of cache.idsIn(path)) ids.add(id)
      for (const link of cache.linksOfFolder(path)) ids.add(link.from).add(link.to)
    }
    for (const holder of cache.indexedFoldersOfAny(ids)) reach(holder)
    round = next
  }
  return { folders, dropped }
}

/**
 * The kept listing with the rows of the changed folders made again, or `undefined` when it
 * cannot be (its layout or log digest is missing or damaged, a folder's details are damaged).
 * The kept rows are copied in runs, the new ones merged in where they sort.
 */
export const updatedListing = (kept: KeptListing, cache: TranscriptCache): Listing | undefined => {
  const layout = kept.layout()
  if (layout === undefined) return undefined
  const { folders: toMake, dropped } = foldersToMake(layout, cache)
  let rows: ReturnType<typeof rowsOf> = { made: [], running: false }
  if (toMake.size > 0) {
    const digest = kept.log()
    const now = cache.folderFingerprints()
    const present = new Set([...toMake].filter((path) => now.has(path)))
    const members = cache.transcriptsIn(present)
    if (digest === undefined || members === undefined) return undefined
    const log = listingLogFromDigest(digest)
    try {
      rows = rowsOf(members, cache.linksIn(present), log, cache)
    } catch (error) {
      if (error instanceof DamagedLogDigest) return undefined
      throw error
    }
  }
  const { made, running } = rows
  const writer = new RowsWriter()
  // a run of consecutive kept rows is copied as one slice of the kept rows line
  let runFrom = -1
  const flush = (to: number) => {
    if (runFrom >= 0) writer.kept(layout, kept.rows, runFrom, to)
    runFrom = -1
  }
  let next = 0
  let archivedRows = 0
  for (let i = 0; i < layout.count; i++) {
    if (dropped.has(i)) {
      flush(i - 1)
      continue
    }
    const key = { lastActivity: layout.lastActivity(i) || null, latest: layout.latest(i) }
    for (let row = made[next]; row !== undefined && newestFirst(row, key) < 0; row = made[++next]) {
      flush(i - 1)
      writer.made(row)
    }
    if (layout.archived(i)) archivedRows++
    if (runFrom < 0) runFrom = i
  }
  flush(layout.count - 1)
  for (const row of made.slice(next)) writer.made(row)
  return {
    rows: writer.bytes(),
    layout: () => layoutOf(cache, writer.segments, layout),
    archivedRows: archivedRows + made.filter((r) => r.archived).length,
    running,
    madeAgain: toMake.size,
    changed: {
      all: made.flatMap((r) => r.claudeSessionIds),
      owned: made.flatMap((r) => (r.owned ? r.claudeSessionIds : []))
    }
  }
}

const sameKeys = (a: ListingKeys, b: ListingKeys) => a.logKey === b.logKey && a.indexKey === b.indexKey

/**
 * Every chain in this machine's Claude homes, newest activity first, as the `--json` text.
 * When neither the transcripts nor the event log changed since the last listing (the index's
 * refresh is the check: one stat per transcript), it is that listing again; when only some
 * folders changed, only their rows are made again.
 */
export const allChains = async (
  ctx: ListingSource
): Promise<{ readonly rows: Buffer; readonly archivedRows: number; readonly changed: Listing["changed"] }> => {
  const savedAt = listingCacheFile(ctx.storeDir)
  const keysOf = (cache: TranscriptCache) => listingKeys(ctx.storeDir, ctx.claudeHomes, cache.folderFingerprints())
  // a shared log (PostgreSQL) changes without this machine seeing it: listed afresh each time
  const keep = ctx.sharedLog === false
  if (keep) {
    // the resolver's own index: refreshed once here, a listing made afresh below reads it as it is
    const { cache: transcripts } = await ctx.open()
    await transcripts.refresh()
    warnUnreadable(ctx.warn, transcripts.diagnostics())
    const kept = readListing(savedAt)
    const keys = keysOf(transcripts)
    if (kept !== undefined && kept.keys.logKey === keys.logKey) {
      if (kept.keys.indexKey === keys.indexKey) {
        warnSkippedLines(ctx.warn, storeLayout(ctx.storeDir).events, kept.skipped)
        return { ...kept, changed: NOTHING_CHANGED }
      }
      const updated = updatedListing(kept, transcripts)
      if (updated !== undefined) {
        warnSkippedLines(ctx.warn, storeLayout(ctx.storeDir).events, kept.skipped)
        if (!updated.running && updated.madeAgain > SAVE_AFTER_FOLDERS && sameKeys(keysOf(transcripts), keys))
          saveListing(savedAt, {
            keys,
            ...updated,
            layout: updated.layout(),
            log: kept.log(),
            skipped: kept.skipped
          })
        return updated
      }
    }
  }
  const { resolver, cache } = await ctx.open()
  // kept or not, a listing is of the transcripts as they are now (a long-lived process lists again and again)
  if (keep) await cache.ensureFresh()
  else await cache.refresh()
  // what the listing is made from, taken before it is read: a change after it is not kept
  const before = keysOf(cache)
  const map = await settledSessions(resolver)
  const made = madeListing(cache, listingLogOf(map))
  // kept only if nothing moved while it was made, and no run in it is still going (its status
  // is checked again next time)
  if (keep && sameKeys(keysOf(cache), before) && !made.running)
    saveListing(savedAt, {
      keys: before,
      ...made,
      layout: made.layout(),
      log: listingLogDigest(map),
      skipped: resolver.logDiagnostics()
    })
  return made
}
