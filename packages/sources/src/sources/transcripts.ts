/**
 * The transcripts source: Claude Code's own JSONL under one or more config roots
 * (`$CLAUDE_CONFIG_DIR`, `~/.claude`, Docker volume mounts, …).
 *
 * Links between Claude ids are recovered from the files themselves:
 * - 1.0.x resume: a new file starting with `summary` lines whose `leafUuid` is a message of
 *   the predecessor (searched in the same project folder);
 * - 2.1.x `--fork-session`: a new file whose history is copied with the same message uuids
 *   (same root uuid); its parent is the earlier file sharing the most of its messages;
 * - 2.1.x `--resume` / `--continue` keep the id and append: no link needed.
 * Subagent (sidechain) transcripts belong to their parent session and are not reported.
 */
import { closeSync, type Dirent, fstatSync, openSync } from "node:fs"
import { stat } from "node:fs/promises"
import { join } from "node:path"
import { type ClaudeSessionId, isClaudeSessionId } from "@cc/events"
import type { Discovery, PromiseSource, SessionFound, SourceQuery } from "../discovery.js"
import { fromPromiseSource, type Source } from "../discovery.js"
import { fsReason, listDir, mapLimit, readAt } from "../fs-util.js"
import { defaultClaudeHomes, encodeCwd, projectFolderOverride, sessionIdFromFileName } from "../paths.js"
import {
  type FileIdentity,
  firstLineDigest,
  HEAD_CHUNK_BYTES,
  readMessageUuids,
  readTranscriptHeadSync,
  readTranscriptTailSync,
  TAIL_WINDOW_BYTES,
  type TranscriptHead
} from "../transcript.js"
import { mergeRecords, type SessionRecords } from "../transcript-records.js"

export const TRANSCRIPTS_SOURCE = "transcripts"

/** Transcripts read at once: enough to keep a disk's queue full on a cold scan. */
export const READ_CONCURRENCY = 16

export interface TranscriptsSourceOptions {
  /** Claude config roots, each holding `projects/`. Default: `$CLAUDE_CONFIG_DIR` or `~/.claude`. */
  readonly roots?: ReadonlyArray<string>
}

/** One transcript file with its head facts. */
export interface TranscriptEntry {
  readonly path: string
  readonly folder: string
  readonly claudeSessionId: ClaudeSessionId
  readonly head: TranscriptHead
  readonly lastTimestamp?: string
  /** uuids of the last messages (from the tail read): a 1.0.x successor's leafUuid is among them. */
  readonly tailUuids?: ReadonlyArray<string>
  readonly size: number
  readonly birthtimeMs: number
  readonly mtimeMs: number
  readonly ino: number
  /** End of the last complete line when the tail was read: where appended bytes begin. */
  readonly completeEnd: number
  /** Digest of the first line (see `firstLineDigestSync`): tells an append from a rewrite. */
  readonly headDigest?: string
  /** Title, tag, hand-off, move, entrypoint, explicit fork: the head's, then the tail's over them. */
  readonly records: SessionRecords
}

const diagnostic = (reason: string, path?: string, severity: "info" | "warning" | "error" = "warning"): Discovery => ({
  _tag: "SourceDiagnostic",
  source: TRANSCRIPTS_SOURCE,
  severity,
  reason,
  ...(path === undefined ? {} : { path })
})

/** The `<uuid>.jsonl` files of a project folder listing, with the session id each names. */
export const transcriptFilesIn = (
  folderPath: string,
  dirents: ReadonlyArray<Dirent>
): Array<{ readonly id: ClaudeSessionId; readonly path: string }> =>
  dirents.flatMap((dirent) => {
    // <uuid>/ folders hold a session's subagent transcripts: they belong to that session
    if (!dirent.isFile()) return []
    const id = sessionIdFromFileName(dirent.name)
    return id !== undefined && isClaudeSessionId(id) ? [{ id, path: join(folderPath, dirent.name) }] : []
  })

/**
 * Reads one transcript's head and tail; failures become diagnostics.
 *
 * The first 16 KiB and the last 8 KiB are read asynchronously, so that many files can be in
 * flight at once: on a cold page cache that is what a scan waits for, and a disk serves
 * parallel reads much faster than one after another. Parsing is synchronous, from those
 * bytes; only a head whose facts are not all there, or a tail without a timestamp, reads on.
 */
export const readTranscriptEntry = async (
  path: string,
  folder: string,
  claudeSessionId: ClaudeSessionId,
  /** The file's `stat` just taken by the caller (a refresh has one): saves an `fstat`. */
  known?: FileIdentity
): Promise<{ entry?: TranscriptEntry; diagnostics: Array<Discovery> }> => {
  const diagnostics: Array<Discovery> = []
  let fd: number | undefined
  const scratch = scratchBuffers.pop() ?? Buffer.allocUnsafe(HEAD_CHUNK_BYTES + TAIL_WINDOW_BYTES)
  const start = scratch.subarray(0, HEAD_CHUNK_BYTES)
  try {
    // open and fstat touch only the inode (cached once the folder was listed and stat'ed):
    // synchronous, they cost less than a thread-pool round trip; the reads are what waits
    fd = openSync(path, "r")
    const identity = known ?? fstatSync(fd)
    const startBytes = await readAt(fd, start, 0)
    // the size the tail describes: a writer may be appending while we read
    let size = Math.max(identity.size, startBytes)
    let end = start.subarray(0, size)
    if (size > startBytes) {
      const from = size - Math.min(TAIL_WINDOW_BYTES, size)
      end = scratch.subarray(HEAD_CHUNK_BYTES, HEAD_CHUNK_BYTES + (size - from))
      end = end.subarray(0, await readAt(fd, end, from))
      // a file cut short while we read ends where the read did
      size = from + end.length
    }
    const head = readTranscriptHeadSync(fd, { initial: start.subarray(0, startBytes) })
    for (const d of head.diagnostics)
      diagnostics.push({ ...diagnostic(d.reason, path, "info"), offset: d.offset } as Discovery)
    if (head.sessionId !== undefined && head.sessionId !== claudeSessionId && !head.sidechain) {
      diagnostics.push(diagnostic(`file name says ${claudeSessionId} but its entries say ${head.sessionId}`, path))
    }
    const tail = readTranscriptTailSync(fd, size, undefined, end)
    const lastTimestamp = tail.lastTimestamp
    return {
      entry: {
        path,
        folder,
        claudeSessionId,
        head,
        tailUuids: tail.tailUuids,
        ...(lastTimestamp === undefined ? {} : { lastTimestamp }),
        size: tail.size,
        birthtimeMs: identity.birthtimeMs,
        mtimeMs: identity.mtimeMs,
        ino: identity.ino,
        completeEnd: tail.completeEnd,
        headDigest: firstLineDigest(start.subarray(0, startBytes)),
        records: mergeRecords(head.records, tail.records)
      },
      diagnostics
    }
  } catch (error) {
    diagnostics.push(diagnostic(fsReason(error, "transcript"), path))
    return { diagnostics }
  } finally {
    scratchBuffers.push(scratch)
    if (fd !== undefined) closeSync(fd)
  }
}

/**
 * Buffers of finished reads, reused: a scan would otherwise allocate two per file. Nothing
 * read keeps a reference to them (all that is kept is decoded into strings).
 */
const scratchBuffers: Array<Buffer> = []

/** Lists the transcript files of one project folder and reads their heads. */
export const readProjectFolder = async (
  folderPath: string
): Promise<{ entries: Array<TranscriptEntry>; diagnostics: Array<Discovery> }> => {
  const listed = await listDir(folderPath, "project folder")
  if (listed._tag === "Failed") return { entries: [], diagnostics: [diagnostic(listed.reason, folderPath)] }
  const files = transcriptFilesIn(folderPath, listed.entries)
  const results = await mapLimit(files, READ_CONCURRENCY, (file) => readTranscriptEntry(file.path, folderPath, file.id))
  const entries: Array<TranscriptEntry> = []
  const diagnostics: Array<Discovery> = []
  for (const result of results) {
    diagnostics.push(...result.diagnostics)
    // a file of sidechain entries only is a subagent's transcript: it belongs to its parent
    if (result.entry !== undefined && !result.entry.head.sidechain) entries.push(result.entry)
  }
  return { entries, diagnostics }
}

/** Recovers resume (1.0.x) and fork (2.1.x) links between the transcripts of one folder. */
export const findFolderLinks = async (entries: ReadonlyArray<TranscriptEntry>): Promise<Array<Discovery>> => {
  const links: Array<Discovery> = []
  // what a file says outright, whatever the uuids: an SDK fork names its parent (its message
  // uuids are fresh), a session handed on names its successor (`continued-in`: a chain link)
  for (const entry of entries) {
    const { forkedFrom, continuedIn } = entry.records
    if (forkedFrom !== undefined && forkedFrom.sessionId !== entry.claudeSessionId)
      links.push({
        _tag: "LinkFound",
        source: TRANSCRIPTS_SOURCE,
        from: forkedFrom.sessionId,
        to: entry.claudeSessionId,
        kind: "fork",
        evidence: `${entry.path}: forkedFrom ${forkedFrom.sessionId}`
      })
    if (continuedIn !== undefined && continuedIn !== entry.claudeSessionId)
      links.push({
        _tag: "LinkFound",
        source: TRANSCRIPTS_SOURCE,
        from: entry.claudeSessionId,
        to: continuedIn,
        kind: "continue",
        evidence: `${entry.path}: continued-in ${continuedIn}`
      })
  }
  // 1.0.x: summary leafUuid → the predecessor holding that message
  const resumed = (from: TranscriptEntry, to: TranscriptEntry, leaf: string): void => {
    links.push({
      _tag: "LinkFound",
      source: TRANSCRIPTS_SOURCE,
      from: from.claudeSessionId,
      to: to.claudeSessionId,
      kind: "resume",
      evidence: `${to.path}: summary leafUuid ${leaf} is a message of ${from.path}`
    })
  }
  // the leaf is the predecessor's last message: look in the tails before reading any file
  const tailHolders = new Map<string, Array<TranscriptEntry>>()
  for (const entry of entries) {
    for (const uuid of entry.tailUuids ?? []) {
      const holders = tailHolders.get(uuid) ?? []
      holders.push(entry)
      tailHolders.set(uuid, holders)
    }
  }
  const pending: Array<{ readonly entry: TranscriptEntry; readonly leaf: string }> = []
  for (const entry of entries) {
    for (const leaf of entry.head.summaryLeafUuids) {
      const holder = tailHolders.get(leaf)?.find((other) => other !== entry)
      if (holder !== undefined) resumed(holder, entry, leaf)
      else pending.push({ entry, leaf })
    }
  }
  if (pending.length > 0) {
    // Not in any tail (the predecessor went on, or is gone): one pass over whole files,
    // latest first, for every such leaf at once, so a folder is read at most once.
    const candidates = [...entries].sort((a, b) => ((b.lastTimestamp ?? "") < (a.lastTimestamp ?? "") ? -1 : 1))
    for (const candidate of candidates) {
      if (pending.length === 0) break
      const uuids = new Set(await readMessageUuids(candidate.path).catch(() => []))
      for (let i = pending.length - 1; i >= 0; i--) {
        const { entry, leaf } = pending[i] as { entry: TranscriptEntry; leaf: string }
        if (candidate === entry || !uuids.has(leaf)) continue
        resumed(candidate, entry, leaf)
        pending.splice(i, 1)
      }
    }
  }
  // 2.1.x: files sharing a root message uuid are a parent and its forks
  const groups = new Map<string, Array<TranscriptEntry>>()
  for (const entry of entries) {
    if (entry.head.rootUuid === undefined) continue
    const group = groups.get(entry.head.rootUuid) ?? []
    group.push(entry)
    groups.set(entry.head.rootUuid, group)
  }
  for (const group of groups.values()) {
    if (group.length < 2) continue
    // the original was started first; a fork's head is the fork command, later
    group.sort(
      (a, b) =>
        ((a.head.firstTimestamp ?? "") < (b.head.firstTimestamp ?? "")
          ? -1
          : (a.head.firstTimestamp ?? "") > (b.head.firstTimestamp ?? "")
            ? 1
            : 0) || a.birthtimeMs - b.birthtimeMs
    )
    const [original, fork] = group as [TranscriptEntry, TranscriptEntry]
    if (group.length === 2) {
      // one original and one fork: the order alone says which, no file needs reading
      links.push({
        _tag: "LinkFound",
        source: TRANSCRIPTS_SOURCE,
        from: original.claudeSessionId,
        to: fork.claudeSessionId,
        kind: "fork",
        evidence: `${fork.path} starts with message ${fork.head.rootUuid} of the earlier ${original.path}`
      })
      continue
    }
    // Each message is owned by the first file (in start order) that holds it. A fork copies
    // its parent's whole history at fork time, so its last copied message is one its parent
    // wrote itself: the owner of that message is the parent (a sibling fork never owns it).
    const owner = new Map<string, TranscriptEntry>()
    for (const entry of group) {
      const uuids = await readMessageUuids(entry.path)
      let lastCopied: string | undefined
      let copied = 0
      for (const uuid of uuids) {
        if (owner.has(uuid)) {
          lastCopied = uuid
          copied++
        }
      }
      const parent = lastCopied === undefined ? undefined : owner.get(lastCopied)
      if (parent !== undefined && parent !== entry) {
        links.push({
          _tag: "LinkFound",
          source: TRANSCRIPTS_SOURCE,
          from: parent.claudeSessionId,
          to: entry.claudeSessionId,
          kind: "fork",
          evidence: `${entry.path} copies ${copied} message(s) with the same uuids; the last, ${lastCopied}, was written in ${parent.path}`
        })
      }
      for (const uuid of uuids) if (!owner.has(uuid)) owner.set(uuid, entry)
    }
  }
  return links
}

export const entryToDiscovery = (entry: TranscriptEntry): SessionFound => {
  const { head } = entry
  // a session moved by /cd lives on in its new cwd: resume runs there
  const cwd = entry.records.relocatedCwd ?? head.cwd
  return {
    _tag: "SessionFound",
    source: TRANSCRIPTS_SOURCE,
    claudeSessionId: entry.claudeSessionId,
    confidence: 1,
    evidence: `transcript ${entry.path}`,
    path: entry.path,
    range: { from: 0, to: entry.size },
    ...(cwd === undefined ? {} : { cwd }),
    ...(head.firstTimestamp === undefined ? {} : { firstTimestamp: head.firstTimestamp }),
    ...(entry.lastTimestamp === undefined ? {} : { lastTimestamp: entry.lastTimestamp }),
    ...(head.promptHash === undefined ? {} : { promptHash: head.promptHash }),
    ...(head.claudeVersion === undefined ? {} : { claudeVersion: head.claudeVersion }),
    ...(head.gitBranch === undefined ? {} : { gitBranch: head.gitBranch })
  }
}

/** Whether a session's activity overlaps the query's time window and matches its hash. */
export const matchesQuery = (found: SessionFound, query: SourceQuery): boolean =>
  (query.promptHash === undefined || found.promptHash === query.promptHash) && matchesTimeWindow(found, query)

/** Whether a session's activity [first, last] overlaps the query's [since, until]. */
export const matchesTimeWindow = (found: SessionFound, query: SourceQuery): boolean => {
  const first = found.firstTimestamp ?? found.lastTimestamp
  const last = found.lastTimestamp ?? found.firstTimestamp
  if (query.until !== undefined && first !== undefined && first > query.until.toISOString()) return false
  if (query.since !== undefined && last !== undefined && last < query.since.toISOString()) return false
  return true
}

const exists = async (path: string): Promise<boolean> => {
  try {
    return (await stat(path)).isFile()
  } catch {
    return false
  }
}

async function* discoverTranscripts(options: TranscriptsSourceOptions, query: SourceQuery): AsyncGenerator<Discovery> {
  const roots = options.roots ?? defaultClaudeHomes()
  for (const root of roots) {
    const projects = join(root, "projects")
    const listed = await listDir(projects, "Claude projects folder")
    if (listed._tag === "Failed") {
      yield diagnostic(listed.reason, projects, "info")
      continue
    }
    const folders = listed.entries.filter((dirent) => dirent.isDirectory() || dirent.isSymbolicLink())
    let selected = folders.map((dirent) => dirent.name)
    if (query.claudeSessionId !== undefined && isClaudeSessionId(query.claudeSessionId)) {
      const id = query.claudeSessionId
      const hits: Array<string> = []
      for (const name of selected) if (await exists(join(projects, name, `${id}.jsonl`))) hits.push(name)
      selected = hits
    } else if (query.cwd !== undefined) {
      // the exact folder, and folders of paths below it or beside it with a suffix (worktrees);
      // a cut name only by what is left of the path in it; and the one folder an override names
      const encoded = encodeCwd(query.cwd)
      const stem = encoded.length > 200 ? encoded.slice(0, 200) : encoded
      const override = projectFolderOverride()
      selected = selected.filter(
        (name) => name === encoded || name.startsWith(`${stem}${stem === encoded ? "-" : ""}`) || name === override
      )
    }
    for (const name of selected) {
      const { entries, diagnostics } = await readProjectFolder(join(projects, name))
      yield* diagnostics
      for (const entry of entries) {
        const found = entryToDiscovery(entry)
        if (matchesQuery(found, query)) yield found
      }
      yield* await findFolderLinks(entries)
    }
  }
}

export const transcriptsPromiseSource = (options: TranscriptsSourceOptions = {}): PromiseSource => ({
  name: TRANSCRIPTS_SOURCE,
  discover: (query) => discoverTranscripts(options, query)
})

export const transcriptsSource = (options: TranscriptsSourceOptions = {}): Source =>
  fromPromiseSource(transcriptsPromiseSource(options))
