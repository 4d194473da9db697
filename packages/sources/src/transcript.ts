/**
 * Reading Claude Code transcripts (`projects/<encoded cwd>/<sessionId>.jsonl`).
 *
 * Unknown line types and fields appear in every release, so lines are decoded with a schema
 * that names only what we use and lets everything else through.
 */
import { createHash } from "node:crypto"
import { readSync } from "node:fs"
import { type JsonlItem, readJsonlLines, readJsonlLinesSync, readRangeSync } from "@cc/events"
import { withFile } from "./fs-util.js"
import { hashPrompt } from "./prompt.js"
import { parseTranscriptLine, promptText } from "./transcript-line.js"
import { applyMessageFields, applyRecordText, noRecords, type SessionRecords } from "./transcript-records.js"

/** How much of the first prompt the index keeps (the SDK's listing shows as much). */
export const FIRST_PROMPT_CHARS = 200

export { withFile } from "./fs-util.js"
export * from "./transcript-line.js"
export * from "./transcript-records.js"

export interface TranscriptDiagnostic {
  readonly offset: number
  readonly reason: string
}

/** What the head of a transcript says: enough to identify it without reading the rest. */
export interface TranscriptHead {
  readonly sessionId?: string
  readonly cwd?: string
  readonly firstTimestamp?: string
  readonly claudeVersion?: string
  readonly gitBranch?: string
  readonly promptHash?: string
  /** uuid of the first message entry: shared by a 2.1.x fork and its parent. */
  readonly rootUuid?: string
  /** `summary` lines before the first message: a 1.0.x resume points at its predecessor. */
  readonly summaryLeafUuids: ReadonlyArray<string>
  /** Every entry read so far is a sidechain (a subagent's own transcript). */
  readonly sidechain: boolean
  /** The first prompt's first 200 characters (kept in the local index only, never in an event). */
  readonly firstPrompt?: string
  /** Titles, tag, entrypoint, an explicit fork's parent… as far as the head goes. */
  readonly records: SessionRecords
  readonly bytesRead: number
  readonly diagnostics: ReadonlyArray<TranscriptDiagnostic>
}

/** How far past the head budget reading goes to reach the first message. */
const HEAD_FIRST_MESSAGE_FACTOR = 64

/** How much of each end of a line too long to read is looked at. */
const LONG_LINE_END_BYTES = 4096

/**
 * The longest line the head reads: a first prompt with a large paste is read whole; a longer
 * line (an attachment of tens of MB) is skipped without being held, and the first prompt's hash
 * is then left unknown rather than taken from a later prompt.
 */
export const HEAD_MAX_LINE_BYTES = 16 * 1024 * 1024

export interface HeadOptions {
  /** Stop after this many bytes even if some facts are still missing. */
  readonly maxBytes?: number
  readonly maxLineBytes?: number
}

/**
 * Takes a transcript's lines from its start until its identifying facts are known (or
 * `maxBytes` are read). Pure over the lines: the sync and async readers share it.
 */
/** A plain JSON string field in a piece of a line (no escapes in its value), if it is there. */
const plainField = (text: string, key: string): string | undefined => {
  const at = text.indexOf(`"${key}":"`)
  if (at === -1) return undefined
  const from = at + key.length + 4
  const end = text.indexOf('"', from)
  if (end === -1 || end - from > 4096) return undefined
  const value = text.slice(from, end)
  return value.includes("\\") ? undefined : value
}

/**
 * What the ends of a line too long to read say: Claude writes a message's `cwd`, `sessionId`,
 * `version`, `gitBranch` and `type` before its content, its `uuid` and `timestamp` after.
 */
export interface LongLineEnds {
  readonly start: string
  readonly end: string
}

const scanTranscriptHead = (
  lines: Iterable<JsonlItem>,
  maxBytes: number,
  ends?: (offset: number, length: number) => LongLineEnds
): TranscriptHead => {
  const diagnostics: Array<TranscriptDiagnostic> = []
  const summaryLeafUuids: Array<string> = []
  let sessionId: string | undefined
  let cwd: string | undefined
  let firstTimestamp: string | undefined
  let claudeVersion: string | undefined
  let gitBranch: string | undefined
  let promptHash: string | undefined
  let rootUuid: string | undefined
  let sawMessage = false
  let allSidechain = true
  let bytesRead = 0
  let promptUnknowable = false
  let firstPrompt: string | undefined
  let records: SessionRecords = noRecords
  for (const item of lines) {
    if (item._tag === "End") {
      bytesRead = item.nextOffset
      break
    }
    bytesRead = item.offset + item.length + 1
    if (item._tag === "Oversized") {
      diagnostics.push({ offset: item.offset, reason: `line of ${item.length} bytes skipped` })
      const piece = ends?.(item.offset, item.length)
      const type = piece === undefined ? undefined : plainField(piece.start, "type")
      // a message too long to read: its facts from its ends; if it is the first prompt, a later
      // prompt's hash would be no first prompt's, so none is taken
      if (
        piece !== undefined &&
        type !== undefined &&
        type !== "summary" &&
        plainField(piece.end, "uuid") !== undefined
      ) {
        if (!sawMessage) rootUuid = plainField(piece.end, "uuid")
        sawMessage = true
        if (!piece.start.includes('"isSidechain":true')) {
          allSidechain = false
          cwd ??= plainField(piece.start, "cwd")
          gitBranch ??= plainField(piece.start, "gitBranch")
        }
        sessionId ??= plainField(piece.start, "sessionId")
        claudeVersion ??= plainField(piece.start, "version")
        firstTimestamp ??= plainField(piece.end, "timestamp")
        if (type === "user" && promptHash === undefined) promptUnknowable = true
      } else if (piece === undefined && promptHash === undefined) promptUnknowable = true
    } else if (item.text.trim() !== "") {
      const parsed = parseTranscriptLine(item.text)
      if (parsed._tag === "Bad") {
        diagnostics.push({ offset: item.offset, reason: parsed.reason })
      } else {
        const line = parsed.line
        records = applyMessageFields(applyRecordText(records, item.text), line)
        if (line.type === "summary" && !sawMessage && line.leafUuid !== undefined) summaryLeafUuids.push(line.leafUuid)
        if (line.uuid !== undefined && line.type !== "summary") {
          if (!sawMessage) rootUuid = line.uuid
          sawMessage = true
          if (line.isSidechain !== true) allSidechain = false
        }
        sessionId ??= line.sessionId
        if (line.isSidechain !== true) {
          cwd ??= line.cwd
          gitBranch ??= line.gitBranch
        }
        claudeVersion ??= line.version
        firstTimestamp ??= line.timestamp
        if (promptHash === undefined && !promptUnknowable) {
          const text = promptText(line)
          if (text !== undefined) {
            promptHash = hashPrompt(text)
            firstPrompt = [...text.trim()].slice(0, FIRST_PROMPT_CHARS).join("")
          }
        }
      }
    }
    const complete =
      sessionId !== undefined &&
      cwd !== undefined &&
      firstTimestamp !== undefined &&
      claudeVersion !== undefined &&
      promptHash !== undefined &&
      rootUuid !== undefined
    // the budget counts once the first message is read: a first prompt holding a pasted log of
    // megabytes is read whole (up to the line bound), or nothing would be known of the session
    if (complete || (bytesRead >= maxBytes && (sawMessage || bytesRead >= maxBytes * HEAD_FIRST_MESSAGE_FACTOR))) break
  }
  return {
    ...(sessionId === undefined ? {} : { sessionId }),
    ...(cwd === undefined ? {} : { cwd }),
    ...(firstTimestamp === undefined ? {} : { firstTimestamp }),
    ...(claudeVersion === undefined ? {} : { claudeVersion }),
    ...(gitBranch === undefined ? {} : { gitBranch }),
    ...(promptHash === undefined ? {} : { promptHash }),
    ...(rootUuid === undefined ? {} : { rootUuid }),
    summaryLeafUuids,
    sidechain: sawMessage && allSidechain,
    ...(firstPrompt === undefined ? {} : { firstPrompt }),
    records,
    bytesRead,
    diagnostics
  }
}

/** The first bytes of a transcript read in one go: its facts are usually all in there. */
export const HEAD_CHUNK_BYTES = 16 * 1024

/**
 * Reads the head of an open transcript, synchronously (bounded by `maxBytes`). `initial`:
 * its first bytes, already read; reading goes on after them only if the facts are not all there.
 */
export const readTranscriptHeadSync = (
  fd: number,
  options: HeadOptions & { readonly initial?: Buffer } = {}
): TranscriptHead =>
  scanTranscriptHead(
    // small chunks: the facts are usually in the first few KB, and most files are much larger
    readJsonlLinesSync(fd, {
      chunkBytes: HEAD_CHUNK_BYTES,
      maxLineBytes: options.maxLineBytes ?? HEAD_MAX_LINE_BYTES,
      ...(options.initial === undefined ? {} : { initial: options.initial })
    }),
    options.maxBytes ?? 1024 * 1024,
    (offset, length) => ({
      start: readRangeSync(fd, offset, Math.min(length, LONG_LINE_END_BYTES)).toString("utf8"),
      end: readRangeSync(
        fd,
        Math.max(offset, offset + length - LONG_LINE_END_BYTES),
        Math.min(length, LONG_LINE_END_BYTES)
      ).toString("utf8")
    })
  )

/** Reads the head of a transcript until its identifying facts are known (bounded). */
export const readTranscriptHead = async (path: string, options: HeadOptions = {}): Promise<TranscriptHead> =>
  withFile(path, (fd) => readTranscriptHeadSync(fd, options))

export {
  maxTimestamp,
  readTranscriptTail,
  readTranscriptTailSync,
  TAIL_WINDOW_BYTES,
  type TranscriptTail
} from "./transcript-tail.js"

const uuidKey = /"uuid":"([^"\\]{1,64})"/g

/**
 * The uuids of a transcript's message entries, in file order (top-level `uuid` only). A line
 * with one `"uuid":"…"` has it at the top level (nested JSON in strings is escaped); only a
 * line with several is parsed to tell them apart.
 */
export const readMessageUuids = async (path: string): Promise<Array<string>> => {
  const uuids: Array<string> = []
  for await (const item of readJsonlLines(path, { maxLineBytes: 64 * 1024 * 1024 })) {
    if (item._tag !== "Line" || !item.text.includes('"uuid"')) continue
    const matches = [...item.text.matchAll(uuidKey)]
    if (matches.length === 1 && !item.text.startsWith('{"type":"summary"')) {
      uuids.push(matches[0]?.[1] as string)
      continue
    }
    const parsed = parseTranscriptLine(item.text)
    if (parsed._tag === "Ok" && parsed.line.uuid !== undefined && parsed.line.type !== "summary") {
      uuids.push(parsed.line.uuid)
    }
  }
  return uuids
}

const DIGEST_BYTES = 4096

/**
 * Digest of an open file's first complete line (at most 4 KiB): an append never changes it,
 * a rewrite in place almost always does.
 */
export const firstLineDigestSync = (fd: number): string => {
  const buffer = Buffer.alloc(DIGEST_BYTES)
  return firstLineDigest(buffer.subarray(0, readSync(fd, buffer, 0, DIGEST_BYTES, 0)))
}

/** The same digest from a file's first bytes, already read. */
export const firstLineDigest = (start: Buffer): string => {
  const bytes = start.subarray(0, DIGEST_BYTES)
  const nl = bytes.indexOf(0x0a)
  const end = nl !== -1 ? nl + 1 : bytes.length === DIGEST_BYTES ? DIGEST_BYTES : 0
  return createHash("sha256").update(bytes.subarray(0, end)).digest("hex").slice(0, 32)
}

/** What a `stat` says of a file that tells one version of it from another. */
export interface FileIdentity {
  readonly size: number
  readonly mtimeMs: number
  readonly ino: number
  readonly birthtimeMs: number
}
