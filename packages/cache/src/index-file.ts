/**
 * The persisted transcript index: one file, versioned, written atomically (temp file +
 * rename), 0600, decoded with a schema on load: a corrupt, foreign or old-version index is
 * rebuilt, never trusted.
 *
 * It is laid out for the common case, a refresh that finds nothing changed: a header line; one
 * line with every folder's stamps (name, size, mtime, inode of each file: all such a refresh
 * compares, in columns) and links; then one line per folder with everything else about its
 * files. Opening the index decodes the first two lines only; a folder's own line stays bytes
 * until its files are first asked for, and is written back as it was while the folder does
 * not change.
 */
import { randomUUID } from "node:crypto"
import { closeSync, openSync, readFileSync, writeSync } from "node:fs"
import { rename, rm } from "node:fs/promises"
import { dirname, join } from "node:path"
import { ensureDirectory } from "@cc/events"
import * as Exit from "effect/Exit"
import * as Schema from "effect/Schema"

export const INDEX_VERSION = 3

export const IndexedTranscript = Schema.Struct({
  path: Schema.String,
  root: Schema.String,
  folder: Schema.String,
  claudeSessionId: Schema.String,
  size: Schema.Number,
  mtimeMs: Schema.Number,
  ino: Schema.Number,
  birthtimeMs: Schema.Number,
  /** End of the last complete line parsed: appended bytes are parsed from here. */
  parsedOffset: Schema.Number,
  /** Digest of the first complete line (up to 4 KiB): a rewrite in place changes it. */
  headDigest: Schema.String,
  cwd: Schema.optionalKey(Schema.String),
  firstTimestamp: Schema.optionalKey(Schema.String),
  lastTimestamp: Schema.optionalKey(Schema.String),
  promptHash: Schema.optionalKey(Schema.String),
  claudeVersion: Schema.optionalKey(Schema.String),
  gitBranch: Schema.optionalKey(Schema.String),
  rootUuid: Schema.optionalKey(Schema.String),
  summaryLeafUuids: Schema.Array(Schema.String),
  tailUuids: Schema.Array(Schema.String),
  sidechain: Schema.Boolean,
  /** The head was read to its end without finding every fact: re-read it when the file grows. */
  headIncomplete: Schema.Boolean
})
export type IndexedTranscript = typeof IndexedTranscript.Type

export const IndexedLink = Schema.Struct({
  from: Schema.String,
  to: Schema.String,
  kind: Schema.Literals(["resume", "fork", "continue", "compact"]),
  evidence: Schema.String
})
export type IndexedLink = typeof IndexedLink.Type

/**
 * The stamps of a folder's files, in columns (they decode faster than one tuple per file):
 * session id (the file name), size, mtime, inode: what a refresh compares with a `stat`.
 */
export const FolderStamps = Schema.Struct({
  ids: Schema.Array(Schema.String),
  sizes: Schema.Array(Schema.Number),
  mtimes: Schema.Array(Schema.Number),
  inodes: Schema.Array(Schema.Number)
})
export type FolderStamps = typeof FolderStamps.Type

/** A transcript on disk, less what its stamp and its folder already say. */
const StoredDetails = IndexedTranscript.mapFields(
  ({ path, root, folder, claudeSessionId, size, mtimeMs, ino, ...rest }) => rest
)
type StoredDetails = typeof StoredDetails.Type

const StoredFolder = Schema.Struct({
  folder: Schema.String,
  root: Schema.String,
  stamps: FolderStamps,
  links: Schema.Array(IndexedLink)
})

const IndexHeader = Schema.Struct({
  version: Schema.Literal(INDEX_VERSION),
  roots: Schema.Array(Schema.String),
  folders: Schema.Number,
  refreshedAt: Schema.String
})

const decodeHeader = Schema.decodeUnknownExit(IndexHeader)
const decodeFolders = Schema.decodeUnknownExit(Schema.Array(StoredFolder))
const decodeDetails = Schema.decodeUnknownExit(Schema.Array(StoredDetails))

const stampsOf = (files: ReadonlyArray<IndexedTranscript>): FolderStamps => ({
  ids: files.map((t) => t.claudeSessionId),
  sizes: files.map((t) => t.size),
  mtimes: files.map((t) => t.mtimeMs),
  inodes: files.map((t) => t.ino)
})

const sameLength = (stamps: FolderStamps): boolean =>
  stamps.sizes.length === stamps.ids.length &&
  stamps.mtimes.length === stamps.ids.length &&
  stamps.inodes.length === stamps.ids.length

/** One project folder of the index: its files' stamps and links now, their details on demand. */
export class FolderIndex {
  #files: ReadonlyArray<IndexedTranscript> | undefined
  #storedDetails: Buffer | undefined
  #undecodable = false

  private constructor(
    readonly folder: string,
    readonly root: string,
    readonly stamps: FolderStamps,
    readonly links: ReadonlyArray<IndexedLink>,
    files: ReadonlyArray<IndexedTranscript> | undefined,
    storedDetails: Buffer | undefined
  ) {
    this.#files = files
    this.#storedDetails = storedDetails
  }

  static of(
    folder: string,
    root: string,
    files: ReadonlyArray<IndexedTranscript>,
    links: ReadonlyArray<IndexedLink>
  ): FolderIndex {
    return new FolderIndex(folder, root, stampsOf(files), links, files, undefined)
  }

  /** A folder as stored: `details` (its own line) is decoded on first use. */
  static stored(stored: typeof StoredFolder.Type, details: Buffer): FolderIndex {
    return new FolderIndex(stored.folder, stored.root, stored.stamps, stored.links, undefined, details)
  }

  /** How many transcripts the folder holds. */
  get size(): number {
    return this.stamps.ids.length
  }

  /** Its stored details were decoded and found damaged: a refresh must read the folder again. */
  get damaged(): boolean {
    return this.#undecodable
  }

  /**
   * The folder's transcripts. `undefined` when its stored line does not decode (the file was
   * damaged after it was written): the next refresh reads the folder again.
   */
  files(): ReadonlyArray<IndexedTranscript> | undefined {
    if (this.#files !== undefined || this.#undecodable) return this.#files
    this.#files = this.#decode()
    this.#undecodable = this.#files === undefined
    return this.#files
  }

  #decode(): ReadonlyArray<IndexedTranscript> | undefined {
    let value: unknown
    try {
      value = JSON.parse(this.#storedDetails?.toString("utf8") ?? "")
    } catch {
      return undefined
    }
    const decoded = decodeDetails(value)
    if (Exit.isFailure(decoded) || decoded.value.length !== this.size || !sameLength(this.stamps)) return undefined
    const { ids, sizes, mtimes, inodes } = this.stamps
    return decoded.value.map((details, i) => {
      const claudeSessionId = ids[i] as string
      return {
        path: join(this.folder, `${claudeSessionId}.jsonl`),
        root: this.root,
        folder: this.folder,
        claudeSessionId,
        size: sizes[i] as number,
        mtimeMs: mtimes[i] as number,
        ino: inodes[i] as number,
        ...details
      }
    })
  }

  /** The folder's entry of the stamps line. */
  storedFolder(): typeof StoredFolder.Type {
    return { folder: this.folder, root: this.root, stamps: this.stamps, links: this.links }
  }

  /** The folder's own line: as it was read, while nothing in it changed. */
  storedDetails(): Buffer | string {
    if (this.#storedDetails !== undefined && !this.#undecodable) return this.#storedDetails
    const details: Array<StoredDetails> = (this.files() ?? []).map(
      ({ path, root, folder, claudeSessionId, size, mtimeMs, ino, ...rest }) => rest
    )
    return JSON.stringify(details)
  }
}

export interface TranscriptIndexData {
  readonly version: typeof INDEX_VERSION
  readonly roots: ReadonlyArray<string>
  /** By project folder path. */
  readonly folders: ReadonlyMap<string, FolderIndex>
  readonly refreshedAt: string
}

export const emptyIndex = (roots: ReadonlyArray<string>): TranscriptIndexData => ({
  version: INDEX_VERSION,
  roots: [...roots],
  folders: new Map(),
  refreshedAt: new Date(0).toISOString()
})

/** Every transcript of the index (subagent transcripts included), decoding what is not yet. */
export const indexedTranscripts = (index: TranscriptIndexData): Array<IndexedTranscript> => {
  const all: Array<IndexedTranscript> = []
  for (const folder of index.folders.values()) for (const t of folder.files() ?? []) all.push(t)
  return all
}

/** Every link of the index. */
export const indexedLinks = (index: TranscriptIndexData): Array<IndexedLink> =>
  [...index.folders.values()].flatMap((folder) => folder.links)

export type LoadedIndex =
  | { readonly _tag: "Loaded"; readonly index: TranscriptIndexData }
  | { readonly _tag: "Missing" }
  | { readonly _tag: "Rejected"; readonly reason: string }

const rejected = (reason: string): LoadedIndex => ({ _tag: "Rejected", reason })

const parseJson = (text: string): { readonly ok: true; readonly value: unknown } | { readonly ok: false } => {
  try {
    return { ok: true, value: JSON.parse(text) }
  } catch {
    return { ok: false }
  }
}

const NEWLINE = 0x0a

/** Reads and decodes an index file. Anything but a valid current-version index is rejected. */
export const loadIndexFile = async (path: string, roots: ReadonlyArray<string>): Promise<LoadedIndex> => {
  let bytes: Buffer
  try {
    // one read of a few MB: synchronous costs less than the thread pool's round trips
    bytes = readFileSync(path)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return { _tag: "Missing" }
    return rejected(`unreadable: ${(error as Error).message}`)
  }
  // lines are cut from the bytes: the folders' own lines are not even turned into text yet
  const lines: Array<Buffer> = []
  for (let from = 0; from <= bytes.length; ) {
    const nl = bytes.indexOf(NEWLINE, from)
    const to = nl === -1 ? bytes.length : nl
    lines.push(bytes.subarray(from, to))
    from = to + 1
  }
  const first = parseJson(lines[0]?.toString("utf8") ?? "")
  if (!first.ok) return rejected("not valid JSON")
  const header = decodeHeader(first.value)
  if (Exit.isFailure(header)) {
    const value = first.value
    const version = typeof value === "object" && value !== null && "version" in value ? value.version : undefined
    return rejected(
      version !== INDEX_VERSION
        ? `version ${String(version)} is not ${INDEX_VERSION}`
        : "does not match the index schema"
    )
  }
  if (JSON.stringify([...header.value.roots].sort()) !== JSON.stringify([...roots].sort())) {
    return rejected("built for other roots")
  }
  // a file cut short (or run on) is not the index that was written
  const count = header.value.folders
  if (lines.length !== 2 + count) return rejected("does not match the index schema")
  const parsed = parseJson(lines[1]?.toString("utf8") ?? "")
  const stored = parsed.ok ? decodeFolders(parsed.value) : undefined
  if (stored === undefined || Exit.isFailure(stored) || stored.value.length !== count) {
    return rejected("does not match the index schema")
  }
  const folders = new Map<string, FolderIndex>()
  for (const [i, folder] of stored.value.entries()) {
    if (!sameLength(folder.stamps)) return rejected("does not match the index schema")
    folders.set(folder.folder, FolderIndex.stored(folder, lines[2 + i] as Buffer))
  }
  return {
    _tag: "Loaded",
    index: { version: INDEX_VERSION, roots: header.value.roots, folders, refreshedAt: header.value.refreshedAt }
  }
}

/** The index as the pieces of its file: header, stamps, then one line per folder. */
export function* indexFileParts(index: TranscriptIndexData): Generator<string | Buffer> {
  const folders = [...index.folders.values()]
  yield JSON.stringify({
    version: index.version,
    roots: index.roots,
    folders: folders.length,
    refreshedAt: index.refreshedAt
  })
  yield `\n${JSON.stringify(folders.map((f) => f.storedFolder()))}`
  for (const folder of folders) {
    yield "\n"
    yield folder.storedDetails()
  }
}

/** The index as the text of its file. */
export const serializeIndex = (index: TranscriptIndexData): Buffer =>
  Buffer.concat([...indexFileParts(index)].map((part) => (typeof part === "string" ? Buffer.from(part) : part)))

const writeAll = (fd: number, bytes: Buffer): void => {
  for (let at = 0; at < bytes.length; ) at += writeSync(fd, bytes, at, bytes.length - at)
}

/** Writes the index atomically: a reader sees the old file or the new one, never half. */
export const saveIndexFile = async (path: string, index: TranscriptIndexData): Promise<void> => {
  const dir = dirname(path)
  ensureDirectory(dir)
  const temp = `${path}.${process.pid}.${randomUUID()}.tmp`
  try {
    // piece by piece: a 10k-session index is never held whole a second time in memory
    const fd = openSync(temp, "w", 0o600)
    try {
      for (const part of indexFileParts(index)) writeAll(fd, typeof part === "string" ? Buffer.from(part) : part)
    } finally {
      closeSync(fd)
    }
    await rename(temp, path)
  } catch (error) {
    await rm(temp, { force: true })
    throw error
  }
}
