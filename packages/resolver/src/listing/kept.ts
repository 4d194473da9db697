/**
 * The last `ls --all` listing, kept beside the transcript index.
 *
 * - A warm `ls --all` whose transcripts (the index after its refresh) and event log have not
 *   changed since is that listing again, without folding the log or decoding the index's folders.
 * - When only some project folders changed (a live session appended to its transcript), only
 *   their rows are made again: from those folders and the digest of the log kept here, while
 *   the log has not changed either (`listing.ts`).
 *
 * One file, `<store>/index/ls-all.v7.jsonl`, written atomically (0600), four lines: a header
 * (what the listing was made from, and the SHA-256 of each other line), the rows as `--json`
 * prints them, the layout (each folder's fingerprint, each row's place in the rows line and the
 * folders it was made from), and the log's digest (`log.ts`, null when it could not be
 * kept). Each line is Schema-decoded, and used only when its digest is the one the header names
 * (bytes this code wrote from typed values); anything else is listed afresh.
 */
import { createHash } from "node:crypto"
import { readFileSync, rmSync, statSync } from "node:fs"
import { Float64sFromBase64 } from "@cc/cache"
import { type Decoded, HOST, jsonDecoder, storeLayout, writeFileAtomicSync } from "@cc/events"
import * as Schema from "effect/Schema"

const VERSION = 7

const Header = Schema.Struct({
  version: Schema.Literal(VERSION),
  /** This host, the Claude homes and the event log as the listing was made: equal, and its rows' log facts hold. */
  logKey: Schema.String,
  /** The project folders' fingerprints in the refreshed transcript index: equal too, and the listing is the same. */
  indexKey: Schema.String,
  digests: Schema.Struct({ rows: Schema.String, layout: Schema.String, log: Schema.String }),
  /** Rows of archived sessions, which `ls --all` hides unless asked: none, and the rows print as they are. */
  archivedRows: Schema.Int,
  /** Event log lines the listing skipped, said again to whoever reads the listing. */
  skipped: Schema.Array(Schema.Struct({ offset: Schema.Number, reason: Schema.String }))
})
type Header = typeof Header.Type
const decodeHeader = jsonDecoder(Header, "not a listing header")

/** Where a row is in the rows line and what it was made from. */
export interface RowPlace {
  /** Its bytes in the rows line: `[start, end)`. */
  readonly start: number
  readonly end: number
  /** Its sort key: newest activity first, then its latest Claude id. */
  readonly lastActivity: string | null
  readonly latest: string
  readonly archived: boolean
  /** The project folders its transcripts are in (indexes into `folders`). */
  readonly folders: ReadonlyArray<number>
}

/** A layout to keep: the folders (with their fingerprints) and the rows, in the listing's order. */
export interface ListingLayout {
  /** Each project folder the listing was made from, with its fingerprint then. */
  readonly folders: ReadonlyArray<readonly [string, string]>
  readonly rows: ReadonlyArray<RowPlace>
}

/**
 * A kept layout, read column by column: an update touches a few rows, and ten thousand row
 * objects would cost more than the rest of it.
 */
export interface KeptLayout {
  readonly folders: ReadonlyArray<readonly [string, string]>
  readonly count: number
  readonly start: (row: number) => number
  readonly end: (row: number) => number
  /** Empty for a row with no activity recorded. */
  readonly lastActivity: (row: number) => string
  readonly latest: (row: number) => string
  readonly archived: (row: number) => boolean
  readonly foldersOf: (row: number) => ReadonlyArray<number>
  /** The rows made from any of these folders (numbers into `folders`), in order. */
  readonly rowsIn: (folders: ReadonlySet<number>) => ReadonlyArray<number>
}

/**
 * The layout as stored: in columns, the numbers as one base64 run of 64-bit floats (start,
 * end and first folder of each row), which ten thousand rows decode in a few milliseconds.
 */
const StoredLayout = Schema.Struct({
  folders: Schema.Array(Schema.Tuple([Schema.String, Schema.String])),
  places: Float64sFromBase64,
  /** Each row's last activity (none: empty), one per line. */
  lastActivity: Schema.String,
  // nothing but hex digits and dashes (ids end to end, 36 characters each)
  latest: Schema.String.check(Schema.isPattern(/^[0-9a-f-]*$/)),
  archived: Schema.String.check(Schema.isPattern(/^[01]*$/)),
  /** The rows made from more than one folder: the row, and its other folders. */
  moreFolders: Schema.Array(Schema.Tuple([Schema.Int, Schema.Array(Schema.Int)]))
})
type StoredLayout = typeof StoredLayout.Type
const decodeStoredLayout = jsonDecoder(StoredLayout, "not a listing layout")
const encodeStoredLayout = Schema.encodeSync(StoredLayout)
const ID_LENGTH = 36

const storedLayout = (layout: ListingLayout): StoredLayout => {
  const places = new Float64Array(layout.rows.length * 3)
  const moreFolders: Array<readonly [number, ReadonlyArray<number>]> = []
  for (const [i, row] of layout.rows.entries()) {
    places.set([row.start, row.end, row.folders[0] ?? -1], i * 3)
    if (row.folders.length > 1) moreFolders.push([i, row.folders.slice(1)])
  }
  return {
    folders: layout.folders,
    places,
    lastActivity: layout.rows.map((r) => r.lastActivity ?? "").join("\n"),
    latest: layout.rows.map((r) => r.latest).join(""),
    archived: layout.rows.map((r) => (r.archived ? "1" : "0")).join(""),
    moreFolders
  }
}

/** The layout a stored one says, if its columns agree with each other and with the rows line. */
const keptLayoutOf = (stored: StoredLayout, rowsLength: number): KeptLayout | undefined => {
  const count = stored.archived.length
  const lastActivity = count === 0 ? [] : stored.lastActivity.split("\n")
  const { places, folders } = stored
  if (lastActivity.length !== count || places.length !== count * 3 || stored.latest.length !== count * ID_LENGTH)
    return undefined
  let previousEnd = 0
  for (let i = 0; i < count; i++) {
    const start = places[i * 3] ?? -1
    const end = places[i * 3 + 1] ?? -1
    const first = places[i * 3 + 2] ?? -1
    // rows end to end, a comma between them: the rows line is `[`, the rows, `]`
    if (!(Number.isSafeInteger(end) && start === previousEnd + 1 && start < end)) return undefined
    if (!(Number.isSafeInteger(first) && first >= -1 && first < folders.length)) return undefined
    previousEnd = end
  }
  if (count > 0 && previousEnd !== rowsLength - 1) return undefined
  const more = new Map(stored.moreFolders)
  for (const [, others] of more) if (others.some((n) => n < 0 || n >= folders.length)) return undefined
  return {
    folders,
    count,
    start: (i) => places[i * 3] ?? 0,
    end: (i) => places[i * 3 + 1] ?? 0,
    lastActivity: (i) => lastActivity[i] ?? "",
    latest: (i) => stored.latest.slice(i * ID_LENGTH, (i + 1) * ID_LENGTH),
    archived: (i) => stored.archived[i] === "1",
    foldersOf: (i) => {
      const first = places[i * 3 + 2] ?? -1
      return first < 0 ? [] : [first, ...(more.get(i) ?? [])]
    },
    rowsIn: (wanted) => {
      // a pass over the column, no row object made: an update asks this of ten thousand rows
      const rows = new Set<number>()
      for (let i = 0; i < count; i++) if (wanted.has(places[i * 3 + 2] ?? -1)) rows.add(i)
      for (const [i, others] of more) if (others.some((n) => wanted.has(n))) rows.add(i)
      return [...rows].sort((a, b) => a - b)
    }
  }
}

export const listingCacheFile = (storeDir: string): string =>
  storeLayout(storeDir).indexFile(`ls-all.v${VERSION}.jsonl`)

const identity = (path: string): string => {
  try {
    const s = statSync(path)
    return `${s.ino}:${s.size}:${s.mtimeMs}`
  } catch {
    return "none"
  }
}

export interface ListingKeys {
  readonly logKey: string
  readonly indexKey: string
}

/**
 * What a listing depends on: this host, the Claude homes and the event log (append-only: its
 * size and inode say whether anything was added), and every project folder's fingerprint in
 * the refreshed transcript index (`TranscriptCache.folderFingerprints`).
 */
export const listingKeys = (
  storeDir: string,
  claudeHomes: ReadonlyArray<string>,
  folders: ReadonlyMap<string, string>
): ListingKeys => {
  const hash = createHash("sha256")
  for (const [path, print] of folders) hash.update(`${path}\u0000${print}\u0000`)
  return {
    logKey: JSON.stringify([HOST, claudeHomes, identity(storeLayout(storeDir).events)]),
    indexKey: hash.digest("hex")
  }
}

const digestOf = (bytes: Uint8Array | string): string => createHash("sha256").update(bytes).digest("hex")

export interface KeptListing {
  readonly keys: ListingKeys
  /** The rows line, as it is printed (checked against its digest). */
  readonly rows: Buffer
  readonly skipped: Header["skipped"]
  readonly archivedRows: number
  /** The layout line, decoded on first use: `undefined` if it is not intact. */
  readonly layout: () => KeptLayout | undefined
  /** The log's digest (`log.ts`), if it was kept and is intact. */
  readonly log: () => Buffer | undefined
}

/** `f`'s answer, worked out on the first call only. */
const once = <A>(f: () => A): (() => A) => {
  let answer: { readonly value: A } | undefined
  return () => {
    answer ??= { value: f() }
    return answer.value
  }
}

/** Decodes a line of the listing if its bytes are the ones its digest names. */
const checked = <A>(line: Buffer | undefined, digest: string, decode: (text: string) => Decoded<A>): A | undefined => {
  if (line === undefined || digestOf(line) !== digest) return undefined
  const decoded = decode(line.toString("utf8"))
  return decoded._tag === "Ok" ? decoded.value : undefined
}

/** The lines of `bytes` (each ending in a newline), at most `count`. */
const linesOf = (bytes: Buffer, count: number): Array<Buffer> | undefined => {
  if (bytes.at(-1) !== 0x0a) return undefined
  const lines: Array<Buffer> = []
  let start = 0
  while (start < bytes.length && lines.length < count) {
    const end = bytes.indexOf(0x0a, start)
    lines.push(bytes.subarray(start, end))
    start = end + 1
  }
  return start === bytes.length && lines.length === count ? lines : undefined
}

/** The listing kept in `file`, if there is one and its header and rows are intact. */
export const readListing = (file: string): KeptListing | undefined => {
  let bytes: Buffer
  try {
    bytes = readFileSync(file)
  } catch {
    return undefined
  }
  const lines = linesOf(bytes, 4)
  if (lines === undefined) return undefined
  const [headerLine, rows, layoutLine, logLine] = lines
  if (headerLine === undefined || rows === undefined) return undefined
  const decoded = decodeHeader(headerLine.toString("utf8"))
  if (decoded._tag === "Bad") return undefined
  const header = decoded.value
  if (digestOf(rows) !== header.digests.rows) return undefined
  const intactLog = once(() =>
    logLine !== undefined && logLine.length > 0 && digestOf(logLine) === header.digests.log ? logLine : undefined
  )
  return {
    keys: { logKey: header.logKey, indexKey: header.indexKey },
    rows,
    skipped: header.skipped,
    archivedRows: header.archivedRows,
    layout: once(() => {
      const stored = checked(layoutLine, header.digests.layout, decodeStoredLayout)
      return stored === undefined ? undefined : keptLayoutOf(stored, rows.length)
    }),
    log: intactLog
  }
}

export interface ListingToKeep {
  readonly keys: ListingKeys
  readonly rows: Buffer
  readonly layout: ListingLayout
  /** The log's digest (`log.ts`), if it could be made. */
  readonly log: Buffer | undefined
  readonly skipped: ReadonlyArray<{ readonly offset: number; readonly reason: string }>
  readonly archivedRows: number
}

/** Saves a listing; one that cannot be saved (a read-only store) is simply made again next time. */
export const saveListing = (file: string, listing: ListingToKeep): void => {
  const layout = Buffer.from(JSON.stringify(encodeStoredLayout(storedLayout(listing.layout))))
  const log = listing.log ?? Buffer.alloc(0)
  const header: Header = {
    version: VERSION,
    ...listing.keys,
    digests: { rows: digestOf(listing.rows), layout: digestOf(layout), log: digestOf(log) },
    archivedRows: listing.archivedRows,
    skipped: listing.skipped.map(({ offset, reason }) => ({ offset, reason }))
  }
  const newline = Buffer.from("\n")
  try {
    writeFileAtomicSync(
      file,
      [`${JSON.stringify(header)}\n`, listing.rows, newline, layout, newline, log, newline],
      0o600,
      { durable: false }
    )
    // the listings of older versions are never read again
    for (let old = 1; old < VERSION; old++) rmSync(file.replace(`.v${VERSION}.`, `.v${old}.`), { force: true })
  } catch {
    // not kept: listed afresh next time
  }
}
