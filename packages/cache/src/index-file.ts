import { closeSync, fstatSync, openSync } from "node:fs"
import { dirname } from "node:path"
import { ensureDirectory, errnoCode, messageOf, readRangeSync, writeFileAtomicSync } from "@cc/events"
import { readAt } from "@cc/sources"
import * as Exit from "effect/Exit"
import { FolderIndex } from "./folder-index.js"
import {
  decodeHeader,
  decodeStamps,
  digestOf,
  encodeStamps,
  INDEX_VERSION,
  type IndexedLink,
  type IndexedTranscript,
  type StoredStamps,
  UUID_LENGTH
} from "./index-format.js"

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
    numbers.length !== STAMP_COLUMNS * total ||
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
  for (const [i, n] of counts.entries()) {
    // the columns were checked above to be `count` long each
    const path = paths[i] ?? ""
    const ids = new Array<string>(n)
    for (let k = 0; k < n; k++) ids[k] = stored.ids.slice((file + k) * UUID_LENGTH, (file + k + 1) * UUID_LENGTH)
    const stamps = {
      ids,
      sizes: numbers.subarray(file, file + n),
      mtimes: numbers.subarray(total + file, total + file + n),
      inodes: numbers.subarray(2 * total + file, 2 * total + file + n),
      archives: numbers.subarray(3 * total + file, 3 * total + file + n),
      subagents: numbers.subarray(4 * total + file, 4 * total + file + n)
    }
    const from = offset
    const length = detailBytes[i] ?? 0
    folders.set(
      path,
      FolderIndex.stored(
        path,
        roots[i] ?? "",
        stamps,
        () => region()?.subarray(from, from + length),
        detailDigests[i] ?? ""
      )
    )
    file += n
    offset += length + 1
  }
  return folders
}

/** Numbers stamped per file: size, mtime, inode, archive mark's mtime, subagents folder's mtime. */
const STAMP_COLUMNS = 5

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
  const numbers = new Float64Array(STAMP_COLUMNS * total)
  let file = 0
  for (const { folder } of kept) {
    for (let k = 0; k < folder.size; k++, file++) {
      numbers[file] = folder.stamps.sizes[k] ?? 0
      numbers[total + file] = folder.stamps.mtimes[k] ?? 0
      numbers[2 * total + file] = folder.stamps.inodes[k] ?? 0
      numbers[3 * total + file] = folder.stamps.archives[k] ?? 0
      numbers[4 * total + file] = folder.stamps.subagents[k] ?? 0
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

/** Writes the index atomically: a reader sees the old file or the new one, never half (a cache: no fsync, its digests catch a torn one). */
export const saveIndexFile = async (path: string, index: TranscriptIndexData): Promise<void> => {
  ensureDirectory(dirname(path))
  // piece by piece: a 10k-session index is never held whole a second time in memory
  writeFileAtomicSync(path, indexFileParts(index), 0o600, { durable: false })
}
