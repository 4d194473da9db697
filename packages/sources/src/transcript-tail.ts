/**
 * The end of a transcript, read as bytes: its newest timestamp and its last messages' uuids
 * (the leaf a 1.0.x resume's `summary` names), from a small window that grows only when it must.
 */
import { fstatSync, readSync } from "node:fs"
import { withFile } from "./fs-util.js"
import { parseTranscriptLine } from "./transcript-line.js"
import { applyRecord, noRecords, RECORD_LINE_STARTS, type SessionRecords } from "./transcript-records.js"

export interface TranscriptTail {
  /** The newest timestamp among the complete lines of the last `tailBytes`. */
  readonly lastTimestamp?: string
  /** End of the last complete line (a partial line still being written is not counted). */
  readonly completeEnd: number
  readonly size: number
  /** uuids of the message entries among the complete lines read (and the leaf a 2.1.x `last-prompt` line names): the file's last messages. */
  readonly tailUuids: ReadonlyArray<string>
  /** The records (title, tag, hand-off, move, pull request) among those lines, in file order. */
  readonly records: SessionRecords
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
const GIT_BRANCH_KEY = Buffer.from('"gitBranch":"')
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

/** The records among complete lines, applied in file order: only lines that start as one are parsed. */
const recordsIn = (bytes: Buffer): SessionRecords => {
  const found: Array<{ readonly at: number; readonly value: unknown }> = []
  for (const start of RECORD_LINE_STARTS) {
    for (let at = bytes.indexOf(start); at !== -1; at = bytes.indexOf(start, at + 1)) {
      if (at > 0 && bytes[at - 1] !== NEWLINE) continue
      const newline = bytes.indexOf(NEWLINE, at)
      try {
        found.push({ at, value: JSON.parse(bytes.toString("utf8", at, newline === -1 ? bytes.length : newline)) })
      } catch {
        // a record that does not parse says nothing
      }
    }
  }
  let records = noRecords
  for (const { value } of found.sort((a, b) => a.at - b.at)) records = applyRecord(records, value)
  // the branch the session is on now: the last one any line of the window names
  const branchAt = bytes.lastIndexOf(GIT_BRANCH_KEY)
  const branch = branchAt === -1 ? undefined : stringAfter(bytes, branchAt, GIT_BRANCH_KEY, 256)
  return branch === undefined ? records : { ...records, lastGitBranch: branch }
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
      if (nl === -1) return { completeEnd: start, size, tailUuids: [], records: noRecords }
      return {
        ...(lastTimestamp === undefined ? {} : { lastTimestamp }),
        completeEnd: start + nl + 1,
        size,
        tailUuids: messageUuidsIn(whole),
        records: recordsIn(whole)
      }
    }
    window = Math.min(window * 8, tailBytes)
  }
}

/** Reads only the end of a transcript (see `readTranscriptTailSync`). */
export const readTranscriptTail = async (path: string, tailBytes = 1024 * 1024): Promise<TranscriptTail> =>
  withFile(path, (fd) => readTranscriptTailSync(fd, fstatSync(fd).size, tailBytes))
