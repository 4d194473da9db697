/**
 * Building and refreshing the transcript index.
 *
 * A refresh lists each project folder and stats each transcript: that is all it costs when
 * nothing changed. A file that grew (same inode) has only its appended complete lines parsed,
 * from the saved offset; a new, truncated or replaced file (other inode, smaller size) is read
 * again from its head. Links are recomputed for a folder only when its set of files changed or
 * a file was replaced, since appends never change who resumed or forked whom.
 */
import { lstatSync, readdirSync, type Stats } from "node:fs"
import { join, sep } from "node:path"
import { type ClaudeSessionId, claudeSessionIdOf, errnoCode } from "@cc/events"
import {
  type Discovery,
  findFolderLinks,
  firstLineDigestSync,
  fsReason,
  type LinkFound,
  listDir,
  mapLimit,
  READ_CONCURRENCY,
  type SourceDiagnostic,
  TRANSCRIPT_FILE_NAME,
  withFile
} from "@cc/sources"
import { ARCHIVE_FILE, archiveMtime, UUID_CHARS, withArchive } from "./archive.js"
import { FolderIndex } from "./folder-index.js"
import { emptyIndex, type TranscriptIndexData } from "./index-file.js"
import { INDEX_VERSION, type IndexedTranscript } from "./index-format.js"
import { subagentsMtime, withSubagents } from "./subagents.js"
import { diagnostic, linkOf, readAppended, readWhole, toEntry } from "./transcript-entry.js"

export interface RefreshStats {
  readonly folders: number
  readonly files: number
  readonly unchanged: number
  readonly appended: number
  readonly reread: number
  readonly added: number
  readonly removed: number
  readonly foldersRelinked: number
  /** Bytes of appended transcript read (from each file's parsed offset on). */
  readonly appendedBytes: number
  /** Files whose SDK archive mark (`<id>/archived.json`) or subagents folder came, went or changed. */
  readonly marked: number
}

export interface RefreshResult {
  readonly index: TranscriptIndexData
  readonly stats: RefreshStats
  readonly diagnostics: ReadonlyArray<SourceDiagnostic>
}

export interface RefreshOptions {
  /** Refresh only these project folders (paths); the rest of `previous` is kept as it is. */
  readonly onlyFolders?: ReadonlyArray<string>
  /** Called after each folder, for progress bars. */
  readonly onProgress?: (done: number, total: number) => void
}

interface Counts {
  unchanged: number
  appended: number
  reread: number
  added: number
  foldersRelinked: number
  appendedBytes: number
  marked: number
}

const statOrReport = (path: string, diagnostics: Array<SourceDiagnostic>): Stats | undefined => {
  try {
    // synchronous: the refresh of an unchanged tree is all stats, and a thread-pool round
    // trip each would cost more than the stat
    return lstatSync(path, { throwIfNoEntry: false })
  } catch (error) {
    diagnostics.push(diagnostic(fsReason(error, "transcript"), path))
    return undefined
  }
}

const unchangedSince = (s: Stats, was: IndexedTranscript): boolean =>
  s.size === was.size && s.mtimeMs === was.mtimeMs && s.ino === was.ino

/** Whether nothing is at `path` (one that cannot be looked at is there, as far as anyone can say). */
const absent = (path: string): boolean => {
  try {
    lstatSync(path)
    return false
  } catch (error) {
    return errnoCode(error) === "ENOENT"
  }
}

type Target = { readonly root: string; readonly path: string }

/** What one folder needs: nothing (its stamps all match), or these files looked at. */
type Survey =
  | { readonly _tag: "Unchanged"; readonly folder: FolderIndex }
  | { readonly _tag: "Changed"; readonly target: Target; readonly files: Array<FileWork>; structureChanged: boolean }

interface FileWork {
  readonly id: ClaudeSessionId
  readonly path: string
  readonly stats: Stats | undefined
  /** The mtime of its `<id>/archived.json`, 0 for none. */
  readonly archiveMtimeMs: number
  /** The mtime of its `<id>/subagents/`, 0 for none. */
  readonly subagentsMtimeMs: number
  readonly was: IndexedTranscript | undefined
  now?: IndexedTranscript | undefined
}

/**
 * Lists one project folder and stats its files. The common case, nothing changed, ends here
 * with one `stat` per file compared with the stored stamps: the folder's details are not even
 * decoded.
 */
const surveyFolder = (
  target: Target,
  before: FolderIndex | undefined,
  counts: Counts,
  diagnostics: Array<SourceDiagnostic>
): Survey | undefined => {
  let listed: Array<string>
  try {
    listed = readdirSync(target.path)
  } catch (error) {
    diagnostics.push(diagnostic(fsReason(error, "project folder"), target.path))
    return undefined
  }
  // the same files as `transcriptFilesIn`, told apart by the stat each needs anyway (an
  // lstat, as a directory entry's type would be: a link is not a transcript); parallel
  // arrays, since a refresh of ten thousand unchanged files is mostly allocation
  const ids: Array<ClaudeSessionId> = []
  const paths: Array<string> = []
  const stats: Array<Stats | undefined> = []
  const archives: Array<number> = []
  const subagents: Array<number> = []
  // a session's own folder (`<id>/`: subagents, tool results, the SDK's archive mark) is in
  // the listing: only those are looked into, so a folder without any costs nothing more
  const sessionFolders = new Set(listed.filter((name) => name.length === UUID_CHARS && !name.includes(".")))
  for (const name of listed) {
    // tested, not matched: no match object per file
    const id = TRANSCRIPT_FILE_NAME.test(name) ? claudeSessionIdOf(name.slice(0, -".jsonl".length)) : undefined
    if (id === undefined) continue
    const path = `${target.path}${sep}${name}`
    const s = statOrReport(path, diagnostics)
    if (s !== undefined && !s.isFile()) continue
    ids.push(id)
    paths.push(path)
    stats.push(s)
    const own = sessionFolders.has(id)
    archives.push(own ? archiveMtime(join(target.path, id, ARCHIVE_FILE)) : 0)
    subagents.push(own ? subagentsMtime(join(target.path, id)) : 0)
  }
  if (before !== undefined && !before.damaged && before.size === ids.length) {
    const stamped = before.stamps
    let same = true
    let at: Map<string, number> | undefined
    for (const [i, id] of ids.entries()) {
      // the listing order is the directory's: usually the same as when the stamps were taken
      let j: number | undefined = i
      if (stamped.ids[i] !== id) {
        at ??= new Map(stamped.ids.map((stampedId, k) => [stampedId, k]))
        j = at.get(id)
      }
      const s = stats[i]
      same =
        j !== undefined &&
        s !== undefined &&
        s.size === stamped.sizes[j] &&
        s.mtimeMs === stamped.mtimes[j] &&
        s.ino === stamped.inodes[j] &&
        archives[i] === stamped.archives[j] &&
        subagents[i] === stamped.subagents[j]
      if (!same) break
    }
    if (same) {
      counts.unchanged += ids.length
      return { _tag: "Unchanged", folder: before }
    }
  }
  const previous = new Map<string, IndexedTranscript>()
  for (const t of before?.files() ?? []) previous.set(t.claudeSessionId, t)
  return {
    _tag: "Changed",
    target,
    files: ids.map((id, i) => ({
      id,
      path: paths[i] ?? "",
      stats: stats[i],
      archiveMtimeMs: archives[i] ?? 0,
      subagentsMtimeMs: subagents[i] ?? 0,
      was: previous.get(id)
    })),
    structureChanged: before === undefined || before.files() === undefined || previous.size !== ids.length
  }
}

/** Brings one file of a changed folder up to date. */
const refreshFile = async (
  survey: Extract<Survey, { _tag: "Changed" }>,
  file: FileWork,
  counts: Counts,
  diagnostics: Array<SourceDiagnostic>
): Promise<void> => {
  const { target } = survey
  const { stats: s, was, id, path } = file
  if (s === undefined) {
    // listed, then gone (or unreadable) before its stat
    survey.structureChanged = true
    return
  }
  if (was === undefined) {
    counts.added++
    survey.structureChanged = true
    file.now = await readWhole(path, target.root, target.path, id, diagnostics, s)
  } else if (unchangedSince(s, was)) {
    counts.unchanged++
    file.now = was
  } else if (
    s.ino === was.ino &&
    s.size >= was.size &&
    s.size >= was.parsedOffset &&
    firstLineDigestOf(path, diagnostics) === was.headDigest
  ) {
    counts.appended++
    counts.appendedBytes += was.headIncomplete ? s.size : s.size - was.parsedOffset
    file.now = was.headIncomplete
      ? await readWhole(path, target.root, target.path, id, diagnostics)
      : await readAppended(was, s.size, s.mtimeMs, diagnostics)
  } else {
    // truncated or replaced: nothing read before can be trusted
    counts.reread++
    survey.structureChanged = true
    file.now = await readWhole(path, target.root, target.path, id, diagnostics, s)
  }
  if (file.now === undefined) survey.structureChanged = true
  else if ((file.now.archive?.mtimeMs ?? 0) !== file.archiveMtimeMs) {
    counts.marked++
    file.now = withArchive(file.now, join(target.path, id, ARCHIVE_FILE), file.archiveMtimeMs, diagnostics)
  }
  if (file.now !== undefined && (file.now.subagents?.mtimeMs ?? 0) !== file.subagentsMtimeMs) {
    counts.marked++
    file.now = withSubagents(file.now, join(target.path, id), file.subagentsMtimeMs, diagnostics)
  }
}

/** A changed folder, its files refreshed: links are found again only if its set of files changed. */
const assembleFolder = async (
  survey: Extract<Survey, { _tag: "Changed" }>,
  before: FolderIndex | undefined,
  counts: Counts
): Promise<FolderIndex> => {
  const current = survey.files.flatMap((file) => (file.now === undefined ? [] : [file.now]))
  let links = before?.files() === undefined ? undefined : before.links()
  if (survey.structureChanged || links === undefined) {
    counts.foldersRelinked++
    const found = await findFolderLinks(current.filter((t) => !t.sidechain).map(toEntry))
    links = found.filter((d: Discovery): d is LinkFound => d._tag === "LinkFound").map(linkOf)
  }
  return FolderIndex.of(survey.target.path, survey.target.root, current, links)
}

const firstLineDigestOf = (path: string, diagnostics: Array<SourceDiagnostic>): string | undefined => {
  try {
    return withFile(path, firstLineDigestSync)
  } catch (error) {
    diagnostics.push(diagnostic(fsReason(error, "transcript"), path))
    return undefined
  }
}

/** Lets other work run during a long survey: its stats are synchronous. */
const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))

/** Brings `previous` up to date with the transcripts on disk under `roots`. */
export const refreshIndex = async (
  roots: ReadonlyArray<string>,
  previous: TranscriptIndexData = emptyIndex(roots),
  options: RefreshOptions = {}
): Promise<RefreshResult> => {
  const diagnostics: Array<SourceDiagnostic> = []
  const folders = new Map<string, FolderIndex>()
  const counts: Counts = {
    unchanged: 0,
    appended: 0,
    reread: 0,
    added: 0,
    foldersRelinked: 0,
    appendedBytes: 0,
    marked: 0
  }

  let targets: Array<{ root: string; path: string }> = []
  for (const root of roots) {
    const projects = join(root, "projects")
    const listed = await listDir(projects, "Claude projects folder")
    if (listed._tag === "Failed") {
      // a home that never ran a session has no projects/ yet; a missing home is a typo, and a
      // folder that cannot be read hides sessions: both are said, never an empty answer alone
      diagnostics.push(
        absent(root)
          ? diagnostic("Claude home does not exist", root)
          : diagnostic(listed.reason, projects, absent(projects) ? "info" : "warning")
      )
      continue
    }
    for (const dirent of listed.entries) {
      if (dirent.isDirectory() || dirent.isSymbolicLink()) targets.push({ root, path: join(projects, dirent.name) })
    }
  }
  if (options.onlyFolders !== undefined) {
    const only = new Set(options.onlyFolders)
    targets = targets.filter((f) => only.has(f.path))
    for (const [path, folder] of previous.folders) if (!only.has(path)) folders.set(path, folder)
  }

  // 1. list and stat every folder (synchronously: that is all an unchanged tree costs)
  const changed: Array<Extract<Survey, { _tag: "Changed" }>> = []
  let lastYield = performance.now()
  for (const target of targets) {
    const survey = surveyFolder(target, previous.folders.get(target.path), counts, diagnostics)
    if (survey?._tag === "Unchanged") folders.set(target.path, survey.folder)
    else if (survey !== undefined) changed.push(survey)
    if (performance.now() - lastYield > 20) {
      await yieldToEventLoop()
      lastYield = performance.now()
    }
  }
  // 2. read what changed, many files in flight at once across folders
  let done = targets.length - changed.length
  options.onProgress?.(done, targets.length)
  const pending = new Map(changed.map((survey) => [survey, survey.files.length]))
  const folderRead = (survey: Extract<Survey, { _tag: "Changed" }>): void => {
    const left = (pending.get(survey) ?? 1) - 1
    pending.set(survey, left)
    if (left === 0) options.onProgress?.(++done, targets.length)
  }
  for (const survey of changed) if (survey.files.length === 0) options.onProgress?.(++done, targets.length)
  const work = changed.flatMap((survey) => survey.files.map((file) => ({ survey, file })))
  await mapLimit(work, READ_CONCURRENCY, async ({ survey, file }) => {
    await refreshFile(survey, file, counts, diagnostics)
    folderRead(survey)
  })
  // 3. put the changed folders back together, every folder in the order it was surveyed (one
  // order, whatever changed: readers that meet the same id twice keep the first)
  const assembled = new Map<string, FolderIndex>()
  for (const survey of changed) {
    assembled.set(survey.target.path, await assembleFolder(survey, previous.folders.get(survey.target.path), counts))
  }
  if (assembled.size > 0) {
    const order =
      options.onlyFolders === undefined
        ? targets.map((t) => t.path)
        : [...new Set([...previous.folders.keys(), ...targets.map((t) => t.path)])]
    const surveyed = new Map(folders)
    folders.clear()
    for (const path of order) {
      const folder = assembled.get(path) ?? surveyed.get(path)
      if (folder !== undefined) folders.set(path, folder)
    }
  }
  const refreshed = new Set(targets.map((f) => f.path))
  let removed = 0
  for (const [path, folder] of previous.folders) {
    if (options.onlyFolders !== undefined && !refreshed.has(path)) continue
    const now = folders.get(path)
    if (now === folder) continue
    const kept = new Set(now?.stamps.ids)
    for (const id of folder.stamps.ids) if (!kept.has(id)) removed++
  }
  let files = 0
  for (const folder of folders.values()) files += folder.size
  return {
    index: { version: INDEX_VERSION, roots: [...roots], folders, refreshedAt: new Date().toISOString() },
    stats: { folders: targets.length, files, removed, ...counts },
    diagnostics
  }
}
