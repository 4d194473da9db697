/**
 * The file store's session index: where each session's events lie in the log, and which
 * sessions name each Claude session id. A reader of one session (`show`, `resolve`) reads its
 * few lines instead of decoding and folding the whole log.
 *
 * An append-only text file beside the log, kept up by readers: appends never touch it, so the
 * append path and its lock stay as they are, and an index that is missing, stale or damaged
 * costs one catch-up read, never a wrong answer. Each write is a single O_APPEND write that
 * starts with a newline (a write cut short never glues onto the next) and ends with a mark:
 *
 *     s <session> <offset> <length>     the log line at <offset> is an event of <session>
 *     c <claudeId> <session>            an event of <session> names <claudeId>
 *     ! <offset> <length> <reason>      a log line that could not be read
 *     @ <next> <lastOffset> <lastId>    every log line before byte <next> is indexed above
 *
 * A mark covers everything before it in the file: its writer indexed from a mark that was
 * already there. So the lines of a write cut short (no mark) are never the only ones for their
 * events, and a garbled one is skipped. Every answer is checked against the log itself.
 */
import { closeSync, fstatSync, openSync, readFileSync, statSync, writeSync } from "node:fs"
import { decodeEventLine } from "./codec.js"
import { writeFileAtomicSync } from "./dirs.js"
import { DEFAULT_MAX_LINE_BYTES, readRangeSync } from "./jsonl.js"
import { claudeIdsOf } from "./schema.js"
import type { SkippedLine, StoreDiagnostic, StoredEvent } from "./store.js"

export const SESSION_INDEX_FILE = "events.sessions.idx"

interface Mark {
  readonly next: number
  readonly lastOffset: number
  readonly lastId: string
}

/** What the catch-up read of the log after the index's mark gave. */
export interface LogTail {
  readonly events: ReadonlyArray<StoredEvent & { readonly length: number }>
  readonly diagnostics: ReadonlyArray<StoreDiagnostic>
  readonly nextOffset: number
}

const NO_MARK: Mark = { next: 0, lastOffset: -1, lastId: "-" }

const parseMark = (line: string): Mark | undefined => {
  const [next, lastOffset, lastId] = line.split(" ")
  const n = Number(next)
  const o = Number(lastOffset)
  if (!Number.isSafeInteger(n) || n < 0 || !Number.isSafeInteger(o) || lastId === undefined || lastId === "")
    return undefined
  return { next: n, lastOffset: o, lastId }
}

/** The rest of each line of `text` that starts with `prefix`. */
const linesStartingWith = function* (text: string, prefix: string): Generator<string> {
  const needle = `\n${prefix}`
  for (let at = text.indexOf(needle); at !== -1; at = text.indexOf(needle, at + 1)) {
    const start = at + needle.length
    const end = text.indexOf("\n", start)
    // a last line without its newline is a write cut short: not trusted
    if (end === -1) return
    yield text.slice(start, end)
  }
}

/** The longest last line a mark is checked against; a longer one is just read again. */
const MAX_CHECKED_LINE = 1 << 20

/**
 * Whether the log open at `logFd` still reads as it did up to `end`: at least that long, the
 * event `id` on the line at `offset`, and a line ending just before `end`. How an index's mark,
 * and a fold snapshot, tell their own log from another one put in its place (or one cut back).
 */
export const logStillHolds = (logFd: number, offset: number, id: string, end: number): boolean => {
  if (fstatSync(logFd).size < end) return false
  const length = end - offset
  if (length <= 0 || length > MAX_CHECKED_LINE) return false
  const bytes = readRangeSync(logFd, offset, length)
  const first = bytes.indexOf(0x0a)
  if (first === -1 || bytes[bytes.length - 1] !== 0x0a) return false
  const line = decodeEventLine(bytes.subarray(0, first).toString("utf8"))
  return line._tag === "Event" && line.event.id === id
}

export class SessionIndex {
  private constructor(
    /** The index file's text, up to and including its last mark. */
    readonly text: string,
    readonly mark: Mark
  ) {}

  static empty(): SessionIndex {
    return new SessionIndex("\n", NO_MARK)
  }

  /**
   * The index in `text` (an index file's) if its last mark still describes the log open at
   * `logFd`: the log is at least that long and the line the mark names is still the event it
   * names. Otherwise none (damaged, or made for another log): the caller reads the log whole.
   */
  static of(text: string | undefined, logFd: number): SessionIndex | undefined {
    if (text === undefined) return undefined
    const at = text.lastIndexOf("\n@ ")
    const end = at === -1 ? -1 : text.indexOf("\n", at + 1)
    if (at === -1 || end === -1) return undefined
    const mark = parseMark(text.slice(at + 3, end))
    if (mark === undefined) return undefined
    if (fstatSync(logFd).size < mark.next) return undefined
    if (mark.lastOffset >= 0 && !logStillHolds(logFd, mark.lastOffset, mark.lastId, mark.next)) return undefined
    return new SessionIndex(text.slice(0, end + 1), mark)
  }

  /** The lines that index `tail` (read from this index's mark on), with their mark. */
  linesFor(tail: LogTail): string {
    let out = "\n"
    let last: { offset: number; id: string } | undefined
    for (const { event, offset, length } of tail.events) {
      out += `s ${event.session} ${offset} ${length}\n`
      for (const claudeId of new Set(claudeIdsOf(event))) out += `c ${claudeId} ${event.session}\n`
      last = { offset, id: event.id }
    }
    for (const d of tail.diagnostics) {
      if (d._tag === "SkippedLine") out += `! ${d.offset} ${d.length} ${d.reason.replace(/\s+/g, " ")}\n`
    }
    const lastOffset = last?.offset ?? this.mark.lastOffset
    const lastId = last?.id ?? this.mark.lastId
    return `${out}@ ${tail.nextOffset} ${lastOffset} ${lastId}\n`
  }

  /** Sessions with an event that names one of `claudeIds`. */
  sessionsMentioning(claudeIds: Iterable<string>): Set<string> {
    const out = new Set<string>()
    for (const claudeId of claudeIds) {
      for (const rest of linesStartingWith(this.text, `c ${claudeId} `)) out.add(rest)
    }
    return out
  }

  /** Where the events of `session` lie in the log (each place once). */
  placesOf(session: string): Array<{ offset: number; length: number }> {
    const seen = new Map<number, number>()
    for (const rest of linesStartingWith(this.text, `s ${session} `)) {
      const [offset, length] = rest.split(" ").map(Number)
      // (a racing reader may have indexed past the last mark: the caller reads that part anyway)
      if (
        Number.isSafeInteger(offset) &&
        Number.isSafeInteger(length) &&
        (length as number) > 0 &&
        (offset as number) < this.mark.next
      )
        seen.set(offset as number, length as number)
    }
    return [...seen].map(([offset, length]) => ({ offset, length }))
  }

  /**
   * The log lines the index knows could not be read, each checked against the log as a place
   * is: a whole line there that still does not decode, for the reason the index gives. None if
   * one fails the check (a damaged index: the caller rebuilds it).
   */
  skippedLines(logFd: number): Array<SkippedLine> | undefined {
    const out = new Map<number, SkippedLine>()
    for (const rest of linesStartingWith(this.text, "! ")) {
      const [offset = "", length = "", ...words] = rest.split(" ")
      if (!/^\d+$/.test(offset) || !/^\d+$/.test(length)) return undefined
      const o = Number(offset)
      const l = Number(length)
      // (a racing reader may have indexed past the last mark: the caller reads that part anyway)
      if (o >= this.mark.next) continue
      const skipped = checkSkippedLine(logFd, o, l, words.join(" "))
      if (skipped === undefined) return undefined
      out.set(o, skipped)
    }
    return [...out.values()]
  }
}

/** The skipped line at `offset` as a whole read reports it, if the log really has one there. */
const checkSkippedLine = (logFd: number, offset: number, length: number, reason: string): SkippedLine | undefined => {
  if (length === 0 || !Number.isSafeInteger(offset + length)) return undefined
  if (readRangeSync(logFd, offset + length, 1)[0] !== 0x0a || (offset > 0 && !startsLine(logFd, offset)))
    return undefined
  if (length > DEFAULT_MAX_LINE_BYTES)
    return reason === "line too long" ? { _tag: "SkippedLine", offset, length, reason } : undefined
  const text = readRangeSync(logFd, offset, length).toString("utf8")
  if (text.trim() === "" || text.includes("\n")) return undefined
  const decoded = decodeEventLine(text)
  if (decoded._tag === "Event" || decoded.reason.replace(/\s+/g, " ") !== reason) return undefined
  return { _tag: "SkippedLine", offset, length, reason: decoded.reason }
}

/**
 * An index file's text, read again only when the file changed (another inode, size or mtime):
 * a long-lived reader asking about one session after another reads it once.
 */
export class IndexFileText {
  #stamp: string | undefined
  #text: string | undefined
  constructor(readonly path: string) {}

  read(): string | undefined {
    let stamp: string
    try {
      const s = statSync(this.path)
      stamp = `${s.ino}:${s.size}:${s.mtimeMs}`
    } catch {
      return undefined
    }
    if (stamp !== this.#stamp) {
      try {
        this.#text = readFileSync(this.path, "latin1")
        this.#stamp = stamp
      } catch {
        return undefined
      }
    }
    return this.#text
  }
}

/**
 * Reads the events at `places` from the open log, each checked: a whole line there, ending
 * in a newline, that decodes to an event of `session`. A place that fails the check is left
 * out and reported (the index is then rebuilt by the caller).
 */
export const readPlaces = (
  logFd: number,
  session: string,
  places: ReadonlyArray<{ offset: number; length: number }>
): { events: Array<StoredEvent>; failed: boolean } => {
  const events: Array<StoredEvent> = []
  let failed = false
  for (const { offset, length } of places) {
    const bytes = readRangeSync(logFd, offset, length + 1)
    if (bytes.length !== length + 1 || bytes[length] !== 0x0a || (offset > 0 && !startsLine(logFd, offset))) {
      failed = true
      continue
    }
    const decoded = decodeEventLine(bytes.subarray(0, length).toString("utf8"))
    if (decoded._tag !== "Event" || decoded.event.session !== session) {
      failed = true
      continue
    }
    events.push({ event: decoded.event, offset })
  }
  return { events, failed }
}

const startsLine = (fd: number, offset: number): boolean => readRangeSync(fd, offset - 1, 1)[0] === 0x0a

/** Writes `text` in one write; a failure (a read-only store) changes nothing and is not an error. */
const writeQuietly = (path: string, flags: "a" | "w", text: string): boolean => {
  try {
    const fd = openSync(path, flags, 0o600)
    try {
      writeSync(fd, text)
    } finally {
      closeSync(fd)
    }
    return true
  } catch {
    // an index is an optimisation: a store we cannot write is read whole instead
    return false
  }
}

/** Adds `lines` to the index file in one append. */
export const appendIndexLines = (path: string, lines: string): void => {
  writeQuietly(path, "a", lines)
}

/** Replaces the index file whole (a rebuild), atomically: a reader sees the old index or the new. */
export const replaceIndexFile = (path: string, text: string): void => {
  try {
    writeFileAtomicSync(path, text)
  } catch {
    // as above: without an index the log is read whole
  }
}
