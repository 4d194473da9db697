/**
 * Building and refreshing the transcript index.
 *
 * A refresh lists each project folder and stats each transcript: that is all it costs when
 * nothing changed. A file that grew (same inode) has only its appended complete lines parsed,
 * from the saved offset; a new, truncated or replaced file (other inode, smaller size) is read
 * again from its head. Links are recomputed for a folder only when its set of files changed or
 * a file was replaced, since appends never change who resumed or forked whom.
 */
import { createHash } from "node:crypto"
import { type Stats, statSync } from "node:fs"
import { open } from "node:fs/promises"
import { join } from "node:path"
import { type ClaudeSessionId, readJsonlLines } from "@cc/events"
import {
  type Discovery,
  findFolderLinks,
  fsReason,
  type LinkFound,
  listDir,
  mapLimit,
  maxTimestamp,
  readTranscriptEntry,
  readTranscriptTail,
  type SourceDiagnostic,
  type TranscriptEntry,
  transcriptFilesIn
} from "@cc/sources"
import {
  emptyIndex,
  INDEX_VERSION,
  type IndexedLink,
  type IndexedTranscript,
  type TranscriptIndexData
} from "./index-file.js"

export interface RefreshStats {
  readonly folders: number
  readonly files: number
  readonly unchanged: number
  readonly appended: number
  readonly reread: number
  readonly added: number
  readonly removed: number
  readonly foldersRelinked: number
}

export interface RefreshResult {
  readonly index: TranscriptIndexData
  readonly stats: RefreshStats
  readonly diagnostics: ReadonlyArray<SourceDiagnostic>
}

export interface RefreshOptions {
  readonly concurrency?: number
  /** Refresh only these project folders (paths); the rest of `previous` is kept as it is. */
  readonly onlyFolders?: ReadonlyArray<string>
  /** Called after each folder, for progress bars. */
  readonly onProgress?: (done: number, total: number) => void
}

const SOURCE = "transcripts"
const DIGEST_BYTES = 4096

const diagnostic = (
  reason: string,
  path: string,
  severity: SourceDiagnostic["severity"] = "warning"
): SourceDiagnostic => ({
  _tag: "SourceDiagnostic",
  source: SOURCE,
  severity,
  reason,
  path
})

const headIsIncomplete = (
  t: Pick<IndexedTranscript, "cwd" | "firstTimestamp" | "promptHash" | "rootUuid" | "claudeVersion">
): boolean =>
  t.cwd === undefined ||
  t.firstTimestamp === undefined ||
  t.promptHash === undefined ||
  t.rootUuid === undefined ||
  t.claudeVersion === undefined

/** Reads a transcript from scratch, as the transcripts source does, and keeps what the index needs. */
const readWhole = async (
  path: string,
  root: string,
  folder: string,
  claudeSessionId: ClaudeSessionId,
  diagnostics: Array<SourceDiagnostic>
): Promise<IndexedTranscript | undefined> => {
  const read = await readTranscriptEntry(path, folder, claudeSessionId)
  for (const d of read.diagnostics) if (d._tag === "SourceDiagnostic") diagnostics.push(d)
  const entry = read.entry
  if (entry === undefined) return undefined
  const { head } = entry
  const facts = {
    ...(head.cwd === undefined ? {} : { cwd: head.cwd }),
    ...(head.firstTimestamp === undefined ? {} : { firstTimestamp: head.firstTimestamp }),
    ...(entry.lastTimestamp === undefined ? {} : { lastTimestamp: entry.lastTimestamp }),
    ...(head.promptHash === undefined ? {} : { promptHash: head.promptHash }),
    ...(head.claudeVersion === undefined ? {} : { claudeVersion: head.claudeVersion }),
    ...(head.gitBranch === undefined ? {} : { gitBranch: head.gitBranch }),
    ...(head.rootUuid === undefined ? {} : { rootUuid: head.rootUuid })
  }
  let digest: string
  try {
    digest = await headDigest(path)
  } catch (error) {
    diagnostics.push(diagnostic(fsReason(error, "transcript"), path))
    return undefined
  }
  return {
    path,
    root,
    folder,
    claudeSessionId,
    size: entry.size,
    mtimeMs: entry.mtimeMs,
    ino: entry.ino,
    birthtimeMs: entry.birthtimeMs,
    parsedOffset: entry.completeEnd,
    headDigest: digest,
    ...facts,
    summaryLeafUuids: [...head.summaryLeafUuids],
    tailUuids: [...(entry.tailUuids ?? [])],
    sidechain: head.sidechain,
    headIncomplete: headIsIncomplete(facts)
  }
}

/** Parses only the complete lines appended since `parsedOffset`. */
const readAppended = async (
  previous: IndexedTranscript,
  size: number,
  mtimeMs: number,
  diagnostics: Array<SourceDiagnostic>
): Promise<IndexedTranscript | undefined> => {
  let lastTimestamp = previous.lastTimestamp
  let parsedOffset = previous.parsedOffset
  try {
    for await (const item of readJsonlLines(previous.path, {
      from: previous.parsedOffset,
      to: size,
      maxLineBytes: 2 * 1024 * 1024
    })) {
      if (item._tag === "Line") lastTimestamp = maxTimestamp(item.text, lastTimestamp)
      else if (item._tag === "Oversized")
        diagnostics.push({
          ...diagnostic(`line of ${item.length} bytes skipped`, previous.path, "info"),
          offset: item.offset
        })
      else parsedOffset = item.nextOffset
    }
  } catch (error) {
    diagnostics.push(diagnostic(fsReason(error, "transcript"), previous.path))
    return undefined
  }
  // the last messages changed: their uuids come from the same small tail read a rebuild does
  let tailUuids = previous.tailUuids
  try {
    tailUuids = [...(await readTranscriptTail(previous.path)).tailUuids]
  } catch (error) {
    diagnostics.push(diagnostic(fsReason(error, "transcript"), previous.path))
    return undefined
  }
  return {
    ...previous,
    size,
    mtimeMs,
    parsedOffset,
    tailUuids,
    ...(lastTimestamp === undefined ? {} : { lastTimestamp })
  }
}

/** An index entry as the transcripts source's own entry (no file read). */
export const toEntry = (t: IndexedTranscript): TranscriptEntry => ({
  path: t.path,
  tailUuids: t.tailUuids,
  folder: t.folder,
  claudeSessionId: t.claudeSessionId as ClaudeSessionId,
  size: t.size,
  birthtimeMs: t.birthtimeMs,
  mtimeMs: t.mtimeMs,
  ino: t.ino,
  completeEnd: t.parsedOffset,
  ...(t.lastTimestamp === undefined ? {} : { lastTimestamp: t.lastTimestamp }),
  head: {
    ...(t.cwd === undefined ? {} : { cwd: t.cwd }),
    ...(t.firstTimestamp === undefined ? {} : { firstTimestamp: t.firstTimestamp }),
    ...(t.rootUuid === undefined ? {} : { rootUuid: t.rootUuid }),
    ...(t.promptHash === undefined ? {} : { promptHash: t.promptHash }),
    ...(t.claudeVersion === undefined ? {} : { claudeVersion: t.claudeVersion }),
    ...(t.gitBranch === undefined ? {} : { gitBranch: t.gitBranch }),
    summaryLeafUuids: t.summaryLeafUuids,
    sidechain: t.sidechain,
    bytesRead: 0,
    diagnostics: []
  }
})

const linkOf = (d: LinkFound): IndexedLink => ({ from: d.from, to: d.to, kind: d.kind, evidence: d.evidence })

/** Brings `previous` up to date with the transcripts on disk under `roots`. */
export const refreshIndex = async (
  roots: ReadonlyArray<string>,
  previous: TranscriptIndexData = emptyIndex(roots),
  options: RefreshOptions = {}
): Promise<RefreshResult> => {
  const concurrency = options.concurrency ?? 16
  const diagnostics: Array<SourceDiagnostic> = []
  const files: Record<string, IndexedTranscript> = {}
  const links: Record<string, ReadonlyArray<IndexedLink>> = {}
  let unchanged = 0
  let appended = 0
  let reread = 0
  let added = 0
  let foldersRelinked = 0
  let folderCount = 0

  const folders: Array<{ root: string; path: string }> = []
  for (const root of roots) {
    const projects = join(root, "projects")
    const listed = await listDir(projects, "Claude projects folder")
    if (listed._tag === "Failed") {
      diagnostics.push(diagnostic(listed.reason, projects, "info"))
      continue
    }
    for (const dirent of listed.entries) {
      if (dirent.isDirectory() || dirent.isSymbolicLink()) folders.push({ root, path: join(projects, dirent.name) })
    }
  }

  if (options.onlyFolders !== undefined) {
    const only = new Set(options.onlyFolders)
    folders.splice(0, folders.length, ...folders.filter((f) => only.has(f.path)))
    for (const t of Object.values(previous.files)) if (!only.has(t.folder)) files[t.path] = t
    for (const [folder, list] of Object.entries(previous.links)) if (!only.has(folder)) links[folder] = list
  }
  const refreshedFolders = new Set(folders.map((f) => f.path))

  const previousByFolder = new Map<string, Array<IndexedTranscript>>()
  for (const t of Object.values(previous.files)) {
    const list = previousByFolder.get(t.folder) ?? []
    list.push(t)
    previousByFolder.set(t.folder, list)
  }

  for (const folder of folders) {
    folderCount++
    const listed = await listDir(folder.path, "project folder")
    if (listed._tag === "Failed") {
      diagnostics.push(diagnostic(listed.reason, folder.path))
      options.onProgress?.(folderCount, folders.length)
      continue
    }
    const names = transcriptFilesIn(folder.path, listed.entries)
    let structureChanged = false
    const results = await mapLimit(names, concurrency, async ({ id, path }) => {
      const before = previous.files[path]
      if (before === undefined) {
        added++
        structureChanged = true
        return readWhole(path, folder.root, folder.path, id, diagnostics)
      }
      let s: Stats
      try {
        // a synchronous stat: no thread-pool round trip, the refresh of an unchanged tree is all stats
        s = statSync(path)
      } catch (error) {
        diagnostics.push(diagnostic(fsReason(error, "transcript"), path))
        structureChanged = true
        return undefined
      }
      if (s.ino === before.ino && s.size === before.size && s.mtimeMs === before.mtimeMs) {
        unchanged++
        return before
      }
      const grew = s.ino === before.ino && s.size >= before.size && s.size >= before.parsedOffset
      if (grew && (await headDigest(path)) === before.headDigest) {
        appended++
        if (before.headIncomplete) return readWhole(path, folder.root, folder.path, id, diagnostics)
        return readAppended(before, s.size, s.mtimeMs, diagnostics)
      }
      // truncated or replaced: nothing read before can be trusted
      reread++
      structureChanged = true
      return readWhole(path, folder.root, folder.path, id, diagnostics)
    })
    const current = results.filter((t): t is IndexedTranscript => t !== undefined)
    const before = previousByFolder.get(folder.path) ?? []
    if (before.length !== current.length) structureChanged = true
    for (const t of current) files[t.path] = t
    const previousLinks = previous.links[folder.path]
    if (!structureChanged && previousLinks !== undefined) {
      links[folder.path] = previousLinks
    } else {
      foldersRelinked++
      const entries = current.filter((t) => !t.sidechain).map(toEntry)
      const found = await findFolderLinks(entries)
      links[folder.path] = found.filter((d: Discovery): d is LinkFound => d._tag === "LinkFound").map(linkOf)
    }
    options.onProgress?.(folderCount, folders.length)
  }
  const removed = Object.values(previous.files).filter(
    (t) => files[t.path] === undefined && (options.onlyFolders === undefined || refreshedFolders.has(t.folder))
  ).length
  return {
    index: { version: INDEX_VERSION, roots: [...roots], files, links, refreshedAt: new Date().toISOString() },
    stats: {
      folders: folders.length,
      files: Object.keys(files).length,
      unchanged,
      appended,
      reread,
      added,
      removed,
      foldersRelinked
    },
    diagnostics
  }
}

/**
 * Digest of a file's first complete line (at most 4 KiB): an append never changes it, a
 * rewrite in place almost always does.
 */
const headDigest = async (path: string): Promise<string> => {
  const handle = await open(path, "r")
  try {
    const buffer = Buffer.alloc(DIGEST_BYTES)
    const { bytesRead } = await handle.read(buffer, 0, DIGEST_BYTES, 0)
    const nl = buffer.subarray(0, bytesRead).indexOf(0x0a)
    const end = nl !== -1 ? nl + 1 : bytesRead === DIGEST_BYTES ? DIGEST_BYTES : 0
    return createHash("sha256").update(buffer.subarray(0, end)).digest("hex").slice(0, 32)
  } finally {
    await handle.close()
  }
}
