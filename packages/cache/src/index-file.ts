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
import { createHash } from "node:crypto"
import { closeSync, fstatSync, openSync } from "node:fs"
import { dirname, join } from "node:path"
import {
  ClaudeSessionId,
  claudeSessionIdOf,
  ensureDirectory,
  errnoCode,
  messageOf,
  readRangeSync,
  writeFileAtomicSync
} from "@cc/events"
import { readAt } from "@cc/sources"
import * as Exit from "effect/Exit"
import * as Schema from "effect/Schema"
import * as SchemaTransformation from "effect/SchemaTransformation"

export const INDEX_VERSION = 4

export const IndexedTranscript = Schema.Struct({
  path: Schema.String,
  root: Schema.String,
  folder: Schema.String,
  claudeSessionId: ClaudeSessionId,
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
  from: ClaudeSessionId,
  to: ClaudeSessionId,
  kind: Schema.Literals(["resume", "fork", "continue", "compact"]),
  evidence: Schema.String
})
export type IndexedLink = typeof IndexedLink.Type

/**
 * The stamps of a folder's files, in columns: session id (the file name), size, mtime,
 * inode: what a refresh compares with a `stat`.
 */
export interface FolderStamps {
  readonly ids: ReadonlyArray<string>
  readonly sizes: ArrayLike<number>
  readonly mtimes: ArrayLike<number>
  readonly inodes: ArrayLike<number>
}

const UUID_LENGTH = 36

/**
 * Stamps as stored: the ids end to end, and sizes, mtimes and inodes as one base64 run of
 * 64-bit floats (exact for all three). Ten thousand of them decode in a few milliseconds,
 * where a JSON array per column costs a schema check per number.
 */
const Float64s = Schema.declare((u: unknown): u is Float64Array => u instanceof Float64Array, {
  identifier: "Float64Array"
})

const Float64sFromBase64 = Schema.String.check(Schema.isPattern(/^[A-Za-z0-9+/]*={0,2}$/)).pipe(
  Schema.decodeTo(
    Float64s,
    SchemaTransformation.transform({
      decode: (text: string): Float64Array => {
        const bytes = Buffer.from(text, "base64")
        // whole numbers only; a count that disagrees with the ids rejects the index later
        const numbers = new Float64Array(Math.floor(bytes.length / 8))
        // copied out: a Buffer's bytes need not be aligned for a Float64Array view
        new Uint8Array(numbers.buffer).set(bytes.subarray(0, numbers.byteLength))
        return numbers
      },
      encode: (numbers: Float64Array): string =>
        Buffer.from(numbers.buffer, numbers.byteOffset, numbers.byteLength).toString("base64")
    })
  )
)

/**
 * The stamps line: every folder's path, root, file count and the byte length of its own line,
 * then every file's id (end to end, in folder order) and numbers (all sizes, then all mtimes,
 * then all inodes).
 */
const StoredStamps = Schema.Struct({
  folders: Schema.Array(Schema.String),
  roots: Schema.Array(Schema.String),
  counts: Schema.Array(Schema.Int),
  detailBytes: Schema.Array(Schema.Int),
  /** Each folder line's digest: a line damaged after it was written is read again, never trusted. */
  detailDigests: Schema.Array(Schema.String),
  // nothing but hex digits and dashes, so no id can name another path
  ids: Schema.String.check(Schema.isPattern(/^[0-9a-f-]*$/)),
  numbers: Float64sFromBase64
})
type StoredStamps = typeof StoredStamps.Type

/** A transcript on disk, less what its stamp and its folder already say. */
const StoredDetails = IndexedTranscript.mapFields(
  ({ path, root, folder, claudeSessionId, size, mtimeMs, ino, ...rest }) => rest
)
type StoredDetails = typeof StoredDetails.Type

/** A folder's own line: its links and the details of its files, in stamp order. */
const StoredFolderDetails = Schema.Struct({
  links: Schema.Array(IndexedLink),
  files: Schema.Array(StoredDetails)
})

const IndexHeader = Schema.Struct({
  version: Schema.Literal(INDEX_VERSION),
  roots: Schema.Array(Schema.String),
  folders: Schema.Int,
  refreshedAt: Schema.String,
  /** Length of the stamps line: opening the index reads no further. */
  stampsBytes: Schema.Int,
  /** Its digest: a damaged stamps line rejects the index. */
  stampsDigest: Schema.String
})

const decodeHeader = Schema.decodeUnknownExit(IndexHeader)
const decodeStamps = Schema.decodeUnknownExit(StoredStamps)
const encodeStamps = Schema.encodeSync(StoredStamps)
const decodeDetails = Schema.decodeUnknownExit(StoredFolderDetails)

/** The digest the file keeps of each of its lines (a cut or a flipped byte changes it). */
const digestOf = (bytes: Uint8Array): string => createHash("sha256").update(bytes).digest("hex").slice(0, 32)

const stampsOf = (files: ReadonlyArray<IndexedTranscript>): FolderStamps => ({
  ids: files.map((t) => t.claudeSessionId),
  sizes: files.map((t) => t.size),
  mtimes: files.map((t) => t.mtimeMs),
  inodes: files.map((t) => t.ino)
})

interface FolderContents {
  readonly files: ReadonlyArray<IndexedTranscript>
  readonly links: ReadonlyArray<IndexedLink>
}

/** One project folder of the index: its files' stamps now, their details and links on demand. */
export class FolderIndex {
  #contents: FolderContents | undefined
  /** The folder's line as stored, read from the index file on first use, and its digest. */
  #storedDetails: (() => Buffer | undefined) | undefined
  readonly #storedDigest: string | undefined
  #undecodable = false
  #byChild: { links: ReadonlyArray<IndexedLink>; byChild: Map<string, Array<IndexedLink>> } | undefined

  private constructor(
    readonly folder: string,
    readonly root: string,
    readonly stamps: FolderStamps,
    contents: FolderContents | undefined,
    storedDetails: (() => Buffer | undefined) | undefined,
    storedDigest?: string
  ) {
    this.#contents = contents
    this.#storedDetails = storedDetails
    this.#storedDigest = storedDigest
  }

  static of(
    folder: string,
    root: string,
    files: ReadonlyArray<IndexedTranscript>,
    links: ReadonlyArray<IndexedLink>
  ): FolderIndex {
    return new FolderIndex(folder, root, stampsOf(files), { files, links }, undefined)
  }

  /** A folder as stored: `details` gives its own line, checked against `digest`, decoded on first use. */
  static stored(
    folder: string,
    root: string,
    stamps: FolderStamps,
    details: () => Buffer | undefined,
    digest: string
  ): FolderIndex {
    return new FolderIndex(folder, root, stamps, undefined, details, digest)
  }

  /** The stored line, if it is still the one its digest names. */
  #intactDetails(): Buffer | undefined {
    const bytes = this.#storedDetails?.()
    return bytes !== undefined && digestOf(bytes) === this.#storedDigest ? bytes : undefined
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
    return this.#decoded()?.files
  }

  /** Resume and fork links between the folder's transcripts (none if its line is damaged). */
  links(): ReadonlyArray<IndexedLink> {
    return this.#decoded()?.links ?? []
  }

  /** The links into one of its sessions (looked up by child: listings ask for every session). */
  linksInto(id: string): ReadonlyArray<IndexedLink> {
    const links = this.links()
    if (links.length === 0) return links
    if (this.#byChild?.links !== links) {
      const byChild = new Map<string, Array<IndexedLink>>()
      for (const link of links) byChild.set(link.to, [...(byChild.get(link.to) ?? []), link])
      this.#byChild = { links, byChild }
    }
    return this.#byChild.byChild.get(id) ?? []
  }

  #decoded(): FolderContents | undefined {
    if (this.#contents !== undefined || this.#undecodable) return this.#contents
    this.#contents = this.#decode()
    this.#undecodable = this.#contents === undefined
    return this.#contents
  }

  #decode(): FolderContents | undefined {
    let value: unknown
    try {
      value = JSON.parse(this.#intactDetails()?.toString("utf8") ?? "")
    } catch {
      return undefined
    }
    const decoded = decodeDetails(value)
    if (Exit.isFailure(decoded) || decoded.value.files.length !== this.size) return undefined
    const { ids, sizes, mtimes, inodes } = this.stamps
    const files: Array<IndexedTranscript> = []
    for (const [i, details] of decoded.value.files.entries()) {
      // the stamps line is decoded without the id check (the warm path reads only it): checked here
      const claudeSessionId = claudeSessionIdOf(ids[i] ?? "")
      const size = sizes[i]
      const mtimeMs = mtimes[i]
      const ino = inodes[i]
      if (claudeSessionId === undefined || size === undefined || mtimeMs === undefined || ino === undefined)
        return undefined
      files.push({
        path: join(this.folder, `${claudeSessionId}.jsonl`),
        root: this.root,
        folder: this.folder,
        claudeSessionId,
        size,
        mtimeMs,
        ino,
        ...details
      })
    }
    return { files, links: decoded.value.links }
  }

  /**
   * The folder's own line: as it was read, while nothing in it changed. `undefined` if it
   * cannot be had (its index file was replaced or damaged since): the folder is then left
   * out of a saved index, to be read again.
   */
  storedDetails(): Buffer | string | undefined {
    if (this.#storedDetails !== undefined && !this.#undecodable) {
      // written back as it was only while it is intact: damage is never given a new digest
      const stored = this.#intactDetails()
      if (stored !== undefined) return stored
      if (this.#contents === undefined) {
        this.#undecodable = true
        return undefined
      }
    }
    const contents = this.#decoded()
    if (contents === undefined) return undefined
    const files: Array<StoredDetails> = contents.files.map(
      ({ path, root, folder, claudeSessionId, size, mtimeMs, ino, ...rest }) => rest
    )
    return JSON.stringify({ links: contents.links, files })
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
  [...index.folders.values()].flatMap((folder) => folder.links())

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

/** Reads `length` bytes at `position` through the thread pool, or fewer at the end of the file. */
const readRangeInBackground = async (fd: number, position: number, length: number): Promise<Buffer> => {
  const buffer = Buffer.allocUnsafe(length)
  let done = 0
  while (done < length) {
    const n = await readAt(fd, buffer.subarray(done), position + done)
    if (n === 0) break
    done += n
  }
  return buffer.subarray(0, done)
}

/**
 * The folders' own lines, read in the background through the descriptor the index was
 * opened with (so from that very file, even if another process has renamed a new index over
 * it since), which is then closed. Asked for before that read is done, they are read at once
 * on the same descriptor. `undefined` if they cannot be read whole: the folders then count as
 * damaged and are read again.
 */
const detailsInBackground = (fd: number, start: number, length: number): (() => Buffer | undefined) => {
  let region: Buffer | undefined
  let closed = false
  const whole = (bytes: Buffer): Buffer | undefined => (bytes.length === length ? bytes : undefined)
  void readRangeInBackground(fd, start, length)
    .then((bytes) => {
      region ??= whole(bytes)
    })
    .catch(() => undefined)
    .finally(() => {
      closed = true
      try {
        closeSync(fd)
      } catch {
        // already gone with the process's descriptors: nothing to release
      }
    })
  return () => {
    if (region !== undefined || closed) return region
    try {
      region = whole(readRangeSync(fd, start, length))
    } catch {
      // unreadable: damaged, read again
    }
    return region
  }
}

/** Reads and decodes an index file. Anything but a valid current-version index is rejected. */
export const loadIndexFile = async (path: string, roots: ReadonlyArray<string>): Promise<LoadedIndex> => {
  let fd: number
  try {
    fd = openSync(path, "r")
  } catch (error) {
    if (errnoCode(error) === "ENOENT") return { _tag: "Missing" }
    return rejected(`unreadable: ${messageOf(error)}`)
  }
  let kept = false
  try {
    const identity = fstatSync(fd)
    // the header line: short, but nothing bounds its roots
    let start = readRangeSync(fd, 0, Math.min(64 * 1024, identity.size))
    while (start.indexOf(NEWLINE) === -1 && start.length < identity.size) {
      start = readRangeSync(fd, 0, Math.min(start.length * 4, identity.size))
    }
    const headerEnd = start.indexOf(NEWLINE)
    const first = parseJson(start.subarray(0, headerEnd === -1 ? start.length : headerEnd).toString("utf8"))
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
    // the stamps line only: the folders' own lines are read when first asked for
    const stampsAt = headerEnd + 1
    const stampsBytes = readRangeSync(fd, stampsAt, header.value.stampsBytes)
    if (stampsBytes.length !== header.value.stampsBytes || digestOf(stampsBytes) !== header.value.stampsDigest)
      return rejected("damaged: its stamps line does not match its digest")
    const parsed = parseJson(stampsBytes.toString("utf8"))
    const decoded =
      parsed.ok && stampsBytes.length === header.value.stampsBytes ? decodeStamps(parsed.value) : undefined
    if (decoded === undefined || Exit.isFailure(decoded)) return rejected("does not match the index schema")
    const detailsAt = stampsAt + header.value.stampsBytes + 1
    const folders = unpackFolders(decoded.value, header.value.folders, detailsAt, identity.size, () => {
      // the descriptor now belongs to the background read, which closes it
      kept = true
      return detailsInBackground(fd, detailsAt, Math.max(0, identity.size - detailsAt))
    })
    if (folders === undefined) return rejected("does not match the index schema")
    return {
      _tag: "Loaded",
      index: { version: INDEX_VERSION, roots: header.value.roots, folders, refreshedAt: header.value.refreshedAt }
    }
  } catch (error) {
    return rejected(`unreadable: ${messageOf(error)}`)
  } finally {
    if (!kept) closeSync(fd)
  }
}

/**
 * The folders of a stamps line, or `undefined` if its columns disagree with each other, with
 * the header, or with the size of the file (a file cut short or run on).
 */
const unpackFolders = (
  stored: StoredStamps,
  count: number,
  detailsAt: number,
  fileSize: number,
  details: () => () => Buffer | undefined
): Map<string, FolderIndex> | undefined => {
  const total = stored.ids.length / UUID_LENGTH
  const { folders: paths, roots, counts, detailBytes, detailDigests, numbers } = stored
  if (
    !Number.isInteger(total) ||
    numbers.length !== 3 * total ||
    [paths.length, roots.length, counts.length, detailBytes.length, detailDigests.length].some((n) => n !== count) ||
    counts.reduce((n, c) => n + c, 0) !== total ||
    detailsAt - 1 + detailBytes.reduce((n, b) => n + b + 1, 0) !== fileSize
  ) {
    return undefined
  }
  const region = details()
  const folders = new Map<string, FolderIndex>()
  let file = 0
  let offset = 0
  for (let i = 0; i < count; i++) {
    const n = counts[i] as number
    const ids = new Array<string>(n)
    for (let k = 0; k < n; k++) ids[k] = stored.ids.slice((file + k) * UUID_LENGTH, (file + k + 1) * UUID_LENGTH)
    const stamps = {
      ids,
      sizes: numbers.subarray(file, file + n),
      mtimes: numbers.subarray(total + file, total + file + n),
      inodes: numbers.subarray(2 * total + file, 2 * total + file + n)
    }
    const from = offset
    const length = detailBytes[i] as number
    folders.set(
      paths[i] as string,
      FolderIndex.stored(
        paths[i] as string,
        roots[i] as string,
        stamps,
        () => region()?.subarray(from, from + length),
        detailDigests[i] as string
      )
    )
    file += n
    offset += length + 1
  }
  return folders
}

/** The index as the pieces of its file: header, stamps, then one line per folder. */
export function* indexFileParts(index: TranscriptIndexData): Generator<string | Buffer> {
  // a folder whose line cannot be had any more is left out, to be read again next time
  const kept: Array<{ folder: FolderIndex; details: Buffer }> = []
  for (const folder of index.folders.values()) {
    const details = folder.storedDetails()
    if (details !== undefined)
      kept.push({ folder, details: typeof details === "string" ? Buffer.from(details) : details })
  }
  const total = kept.reduce((n, { folder }) => n + folder.size, 0)
  const numbers = new Float64Array(3 * total)
  let file = 0
  for (const { folder } of kept) {
    for (let k = 0; k < folder.size; k++, file++) {
      numbers[file] = folder.stamps.sizes[k] as number
      numbers[total + file] = folder.stamps.mtimes[k] as number
      numbers[2 * total + file] = folder.stamps.inodes[k] as number
    }
  }
  const stamps = Buffer.from(
    JSON.stringify(
      encodeStamps({
        folders: kept.map(({ folder }) => folder.folder),
        roots: kept.map(({ folder }) => folder.root),
        counts: kept.map(({ folder }) => folder.size),
        detailBytes: kept.map(({ details }) => details.length),
        detailDigests: kept.map(({ details }) => digestOf(details)),
        ids: kept.map(({ folder }) => folder.stamps.ids.join("")).join(""),
        numbers
      })
    )
  )
  yield JSON.stringify({
    version: index.version,
    roots: index.roots,
    folders: kept.length,
    refreshedAt: index.refreshedAt,
    stampsBytes: stamps.length,
    stampsDigest: digestOf(stamps)
  })
  yield "\n"
  yield stamps
  for (const { details } of kept) {
    yield "\n"
    yield details
  }
}

/** The index as the text of its file. */
export const serializeIndex = (index: TranscriptIndexData): Buffer =>
  Buffer.concat([...indexFileParts(index)].map((part) => (typeof part === "string" ? Buffer.from(part) : part)))

/** Writes the index atomically: a reader sees the old file or the new one, never half. */
export const saveIndexFile = async (path: string, index: TranscriptIndexData): Promise<void> => {
  ensureDirectory(dirname(path))
  // piece by piece: a 10k-session index is never held whole a second time in memory
  writeFileAtomicSync(path, indexFileParts(index))
}
