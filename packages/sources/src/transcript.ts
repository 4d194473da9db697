/**
 * Reading Claude Code transcripts (`projects/<encoded cwd>/<sessionId>.jsonl`).
 *
 * Unknown line types and fields appear in every release, so lines are decoded with a schema
 * that names only what we use and lets everything else through.
 */
import { createHash } from "node:crypto"
import { closeSync, fstatSync, openSync, readSync } from "node:fs"
import { type JsonlItem, readJsonlLines, readJsonlLinesSync, readRangeSync } from "@cc/events"
import * as Exit from "effect/Exit"
import * as Schema from "effect/Schema"
import { jsonDecoder } from "./json.js"
import { hashPrompt } from "./prompt.js"

const TextBlock = Schema.Struct({ type: Schema.String, text: Schema.optionalKey(Schema.String) })
const MessageContent = Schema.Union([Schema.String, Schema.Array(TextBlock)])
const UserMessage = Schema.Struct({ role: Schema.optionalKey(Schema.String), content: MessageContent })

export const TranscriptLine = Schema.Struct({
  type: Schema.String,
  sessionId: Schema.optionalKey(Schema.String),
  uuid: Schema.optionalKey(Schema.String),
  parentUuid: Schema.optionalKey(Schema.NullOr(Schema.String)),
  leafUuid: Schema.optionalKey(Schema.String),
  cwd: Schema.optionalKey(Schema.String),
  version: Schema.optionalKey(Schema.String),
  gitBranch: Schema.optionalKey(Schema.String),
  timestamp: Schema.optionalKey(Schema.String),
  isSidechain: Schema.optionalKey(Schema.Boolean),
  isMeta: Schema.optionalKey(Schema.Boolean),
  message: Schema.optionalKey(Schema.Unknown)
})
export type TranscriptLine = typeof TranscriptLine.Type

const decodeLine = jsonDecoder(TranscriptLine, "not a transcript entry")
const decodeUserMessage = Schema.decodeUnknownExit(UserMessage)

export type ParsedLine =
  | { readonly _tag: "Ok"; readonly line: TranscriptLine }
  | { readonly _tag: "Bad"; readonly reason: string }

/** Parses one transcript line; never throws. */
export const parseTranscriptLine = (text: string): ParsedLine => {
  const decoded = decodeLine(text)
  return decoded._tag === "Ok" ? { _tag: "Ok", line: decoded.value } : decoded
}

/** The text a user typed, if this line is a real (not meta, not tool-result) user prompt. */
export const promptText = (line: TranscriptLine): string | undefined => {
  if (line.type !== "user" || line.isMeta === true || line.isSidechain === true) return undefined
  const message = decodeUserMessage(line.message)
  if (Exit.isFailure(message)) return undefined
  const content = message.value.content
  const text =
    typeof content === "string"
      ? content
      : content
          .filter((block) => block.type === "text" && block.text !== undefined)
          .map((block) => block.text)
          .join("\n")
  return text.trim() === "" ? undefined : text
}

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
          if (text !== undefined) promptHash = hashPrompt(text)
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

/**
 * Opens a file for a short synchronous read and always closes it. Bounded reads of a few KB
 * are cheaper synchronously than through the thread pool (one round trip each for open,
 * read and close), which is what a scan of thousands of transcripts is made of.
 */
export const withFile = <A>(path: string, f: (fd: number) => A): A => {
  const fd = openSync(path, "r")
  try {
    return f(fd)
  } finally {
    closeSync(fd)
  }
}

export interface TranscriptTail {
  /** The newest timestamp among the complete lines of the last `tailBytes`. */
  readonly lastTimestamp?: string
  /** End of the last complete line (a partial line still being written is not counted). */
  readonly completeEnd: number
  readonly size: number
  /** uuids of the message entries among the complete lines read (and the leaf a 2.1.x `last-prompt` line names): the file's last messages. */
  readonly tailUuids: ReadonlyArray<string>
}

// The end of a transcript is scanned as bytes: turning each 8 KiB window into text, and
// parsing its lines, allocated more than everything else a scan of ten thousand files does.
const NEWLINE = 0x0a
const QUOTE = 0x22
const BACKSLASH = 0x5c
const EMPTY = Buffer.alloc(0)
const TIMESTAMP_KEY = Buffer.from('"timestamp":"')
const UUID_KEY = Buffer.from('"uuid":"')
const LEAF_UUID_KEY = Buffer.from('"leafUuid":"')
const SUMMARY_START = Buffer.from('{"type":"summary"')
const LAST_PROMPT_TYPE = Buffer.from('"type":"last-prompt"')
const isoStart = /^\d{4}-\d{2}-\d{2}T/

/** The plain (unescaped) string value that follows `key` at `at`, if it is at most `max` bytes. */
const stringAfter = (bytes: Buffer, at: number, key: Buffer, max: number): string | undefined => {
  const from = at + key.length
  const close = bytes.indexOf(QUOTE, from)
  if (close === -1 || close - from > max) return undefined
  const backslash = bytes.indexOf(BACKSLASH, from)
  if (backslash !== -1 && backslash < close) return undefined
  return bytes.toString("utf8", from, close)
}

/**
 * Newest `"timestamp":"…"` value in bytes of complete lines. Each value is a fresh string: a
 * substring of a long text would keep that whole text alive in V8.
 */
const newestTimestampIn = (bytes: Buffer): string | undefined => {
  let newest: string | undefined
  for (let at = bytes.indexOf(TIMESTAMP_KEY); at !== -1; at = bytes.indexOf(TIMESTAMP_KEY, at + 1)) {
    const candidate = stringAfter(bytes, at, TIMESTAMP_KEY, 64)
    if (candidate !== undefined && isoStart.test(candidate) && (newest === undefined || candidate > newest))
      newest = candidate
  }
  return newest
}

/**
 * The message uuids of complete lines, in order. A line with one `"uuid":"…"` has it at the
 * top level (nested JSON in strings is escaped); only a line with several is parsed to tell
 * them apart. A 2.1.x `last-prompt` line names the conversation's leaf.
 */
const messageUuidsIn = (bytes: Buffer): Array<string> => {
  const uuids: Array<string> = []
  for (let start = 0; start < bytes.length; ) {
    const newline = bytes.indexOf(NEWLINE, start)
    const end = newline === -1 ? bytes.length : newline
    const line = bytes.subarray(start, end)
    start = end + 1
    const first = line.indexOf(UUID_KEY)
    if (first !== -1 && line.indexOf(UUID_KEY, first + 1) !== -1) {
      const parsed = parseTranscriptLine(line.toString("utf8"))
      if (parsed._tag === "Ok" && parsed.line.uuid !== undefined && parsed.line.type !== "summary")
        uuids.push(parsed.line.uuid)
    } else if (first !== -1) {
      const uuid = line.subarray(0, SUMMARY_START.length).equals(SUMMARY_START)
        ? undefined
        : stringAfter(line, first, UUID_KEY, 64)
      if (uuid !== undefined) uuids.push(uuid)
    } else if (line.indexOf(LAST_PROMPT_TYPE) !== -1) {
      const at = line.indexOf(LEAF_UUID_KEY)
      const leaf = at === -1 ? undefined : stringAfter(line, at, LEAF_UUID_KEY, 64)
      if (leaf !== undefined) uuids.push(leaf)
    }
  }
  return uuids
}

/**
 * Newest timestamp in a text of complete lines, or `previous` if none is newer: the same scan
 * as a transcript's end gets, on the text's bytes.
 */
export const maxTimestamp = (text: string, previous?: string): string | undefined => {
  const newest = newestTimestampIn(Buffer.from(text, "utf8"))
  return newest !== undefined && (previous === undefined || newest > previous) ? newest : previous
}

/** The end of a transcript read first: usually its last few lines, one with a timestamp. */
export const TAIL_WINDOW_BYTES = 8 * 1024

/**
 * Reads only the end of an open transcript of `size` bytes: its newest timestamp and complete
 * end. Starts with the last 8 KiB and widens (up to `tailBytes`) only while no complete line
 * there has a timestamp.
 */
export const readTranscriptTailSync = (
  fd: number,
  size: number,
  tailBytes = 1024 * 1024,
  /** The file's last bytes, already read: used for as much of the first window as they cover. */
  initial?: Buffer
): TranscriptTail => {
  let window = Math.min(TAIL_WINDOW_BYTES, tailBytes)
  for (;;) {
    const start = Math.max(0, size - window)
    let buffer: Buffer
    let bytesRead: number
    if (initial !== undefined && initial.length >= size - start) {
      buffer = initial.subarray(initial.length - (size - start))
      bytesRead = buffer.length
    } else {
      buffer = Buffer.allocUnsafe(size - start)
      bytesRead = readSync(fd, buffer, 0, buffer.length, start)
    }
    const nl = buffer.subarray(0, bytesRead).lastIndexOf(NEWLINE)
    // the first line of the window may be cut: only lines after its first newline count
    const cut = start === 0 ? -1 : buffer.subarray(0, Math.max(nl, 0)).indexOf(NEWLINE)
    const whole = nl === -1 || (start > 0 && cut === -1) ? EMPTY : buffer.subarray(cut + 1, nl)
    const lastTimestamp = newestTimestampIn(whole)
    if (lastTimestamp !== undefined || start === 0 || window >= tailBytes) {
      if (nl === -1) return { completeEnd: start, size, tailUuids: [] }
      return {
        ...(lastTimestamp === undefined ? {} : { lastTimestamp }),
        completeEnd: start + nl + 1,
        size,
        tailUuids: messageUuidsIn(whole)
      }
    }
    window = Math.min(window * 8, tailBytes)
  }
}

/** Reads only the end of a transcript (see `readTranscriptTailSync`). */
export const readTranscriptTail = async (path: string, tailBytes = 1024 * 1024): Promise<TranscriptTail> =>
  withFile(path, (fd) => readTranscriptTailSync(fd, fstatSync(fd).size, tailBytes))

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
