/**
 * Searching a transcript's conversation: the text of its user prompts and assistant replies
 * (not tool results, attachments or metadata). Each line is first tested as it is on disk (the
 * text, escaped as JSON escapes it, found in the raw line), and only a line that passes is
 * parsed: most lines of most files are never parsed.
 */
import { closeSync, fstatSync, openSync, readSync } from "node:fs"
import { readJsonlLines } from "@cc/events"
import { parseTranscriptLine, type TranscriptLine } from "./transcript-line.js"

export interface SearchHit {
  /** The message's own time, if it has one. */
  readonly timestamp?: string
  readonly role: "user" | "assistant"
  /** The text around the match (at most `SNIPPET_CHARS` either side), as the message has it. */
  readonly snippet: string
}

export interface SearchMatcher {
  /** Could this raw JSON line hold a match? (No false negatives.) */
  readonly mayMatch: (raw: string) => boolean
  /**
   * For a plain ASCII text: the same test run over a file's bytes read as one-byte text (no
   * UTF-8 decoding, no line splitting), a global case-insensitive expression whose matches
   * are the only places a match can be; `foldsBeyondAscii` when the text holds a letter that
   * Unicode folds from a character outside ASCII (`k` from U+212A, `s` from U+017F).
   */
  readonly bytes?: { readonly pattern: RegExp; readonly foldsBeyondAscii: boolean }
  /** Where the match is in a message's text, if it is there. */
  readonly find: (text: string) => { readonly index: number; readonly length: number } | undefined
}

const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")

/**
 * A case-insensitive match of `text`, or of a regular expression (`regex`). A literal is looked
 * for in the raw line as JSON writes it (JSON.stringify escapes each character on its own, so
 * the escaped text is a substring of the escaped message).
 */
export const searchMatcher = (text: string, options: { readonly regex?: boolean } = {}): SearchMatcher => {
  const pattern = new RegExp(options.regex === true ? text : escapeRegExp(text), "iu")
  const escaped = JSON.stringify(text).slice(1, -1)
  const raw = options.regex === true ? undefined : new RegExp(escapeRegExp(escaped), "iu")
  // biome-ignore lint/suspicious/noControlCharactersInRegex: ASCII is 0 to 127
  const ascii = options.regex !== true && /^[\u0000-\u007f]+$/.test(escaped)
  return {
    ...(ascii
      ? { bytes: { pattern: new RegExp(escapeRegExp(escaped), "gi"), foldsBeyondAscii: /[ks]/i.test(text) } }
      : {}),
    mayMatch: (line) =>
      (line.includes('"type":"user"') || line.includes('"type":"assistant"')) && (raw === undefined || raw.test(line)),
    find: (message) => {
      const m = pattern.exec(message)
      return m === null ? undefined : { index: m.index, length: m[0].length }
    }
  }
}

/** The text of a user prompt or an assistant reply (text blocks only). */
const messageText = (line: TranscriptLine): { role: "user" | "assistant"; text: string } | undefined => {
  if ((line.type !== "user" && line.type !== "assistant") || line.isMeta === true) return undefined
  const message = line.message
  if (typeof message !== "object" || message === null || !("content" in message)) return undefined
  const content = message.content
  if (typeof content === "string") return { role: line.type, text: content }
  if (!Array.isArray(content)) return undefined
  const texts: Array<string> = []
  for (const block of content) {
    if (typeof block === "object" && block !== null && "type" in block && block.type === "text" && "text" in block) {
      if (typeof block.text === "string") texts.push(block.text)
    }
  }
  return texts.length === 0 ? undefined : { role: line.type, text: texts.join("\n") }
}

export const SNIPPET_CHARS = 60

const snippetOf = (text: string, at: { readonly index: number; readonly length: number }): string => {
  const from = Math.max(0, at.index - SNIPPET_CHARS)
  const to = Math.min(text.length, at.index + at.length + SNIPPET_CHARS)
  return `${from > 0 ? "…" : ""}${text.slice(from, to)}${to < text.length ? "…" : ""}`
}

/** The messages of one transcript that match, in file order (`limit`: stop after so many). */
export const searchTranscript = async (
  path: string,
  matcher: SearchMatcher,
  limit = Number.POSITIVE_INFINITY
): Promise<Array<SearchHit>> => (await searchTranscriptRange(path, matcher, { limit })).hits

/**
 * The matching messages of the complete lines from `from` (a line start) to `to`, and where
 * the last complete line ends (`nextOffset`: a later search of the grown file starts there).
 */
export const searchTranscriptRange = async (
  path: string,
  matcher: SearchMatcher,
  options: RangeOptions = {}
): Promise<{ readonly hits: Array<SearchHit>; readonly nextOffset: number }> =>
  matcher.bytes === undefined ? searchLines(path, matcher, options) : searchBytes(path, matcher, matcher.bytes, options)

/** One complete line: its hit, if its message holds the match. */
const hitIn = (line: string, matcher: SearchMatcher): SearchHit | undefined => {
  if (!matcher.mayMatch(line)) return undefined
  const parsed = parseTranscriptLine(line)
  if (parsed._tag !== "Ok" || parsed.line.isSidechain === true) return undefined
  const message = messageText(parsed.line)
  const at = message === undefined ? undefined : matcher.find(message.text)
  if (message === undefined || at === undefined) return undefined
  return {
    ...(parsed.line.timestamp === undefined ? {} : { timestamp: parsed.line.timestamp }),
    role: message.role,
    snippet: snippetOf(message.text, at)
  }
}

export type RangeOptions = {
  readonly from?: number
  readonly to?: number
  readonly limit?: number
  /** How much is read at once (tests use small ones, to cut lines across reads). */
  readonly chunkBytes?: number
}

/** Every line decoded and tested (a regular expression, a text with characters beyond ASCII). */
const searchLines = async (path: string, matcher: SearchMatcher, options: RangeOptions) => {
  const limit = options.limit ?? Number.POSITIVE_INFINITY
  const hits: Array<SearchHit> = []
  let nextOffset = options.from ?? 0
  for await (const item of readJsonlLines(path, {
    chunkBytes: options.chunkBytes ?? 1024 * 1024,
    maxLineBytes: MAX_LINE_BYTES,
    ...(options.from === undefined ? {} : { from: options.from }),
    ...(options.to === undefined ? {} : { to: options.to })
  })) {
    if (item._tag === "End") nextOffset = item.nextOffset
    if (item._tag !== "Line") continue
    const hit = hitIn(item.text, matcher)
    if (hit === undefined) continue
    hits.push(hit)
    if (hits.length >= limit) break
  }
  return { hits, nextOffset }
}

const MAX_LINE_BYTES = 64 * 1024 * 1024
const CHUNK_BYTES = 4 * 1024 * 1024
// UTF-8 of the two characters Unicode folds to an ASCII letter (KELVIN SIGN, LATIN SMALL LONG S)
const FOLDING_TO_ASCII = [Buffer.from("\u212a"), Buffer.from("\u017f")]

/** One read buffer for every byte search: a search reads file after file, and allocating each read's buffer would be most of its garbage. */
let shared: Buffer | undefined

/**
 * The file's bytes searched as they are: each read of complete lines taken as one-byte text
 * and searched for the escaped text at once, and only the lines around a match decoded and
 * parsed. A read holding a character that folds to the text's letters is searched line by line.
 * Synchronous: a search reads one file after another, and a thread-pool round trip per read
 * would cost more than the read of a file in the page cache.
 */
const searchBytes = async (
  path: string,
  matcher: SearchMatcher,
  bytes: NonNullable<SearchMatcher["bytes"]>,
  options: RangeOptions
) => {
  const limit = options.limit ?? Number.POSITIVE_INFINITY
  const hits: Array<SearchHit> = []
  const from = options.from ?? 0
  const chunkBytes = options.chunkBytes ?? CHUNK_BYTES
  const fd = openSync(path, "r")
  try {
    const end = options.to ?? fstatSync(fd).size
    if (shared === undefined || shared.length < chunkBytes)
      shared = Buffer.allocUnsafe(Math.max(chunkBytes, CHUNK_BYTES))
    let buffer = shared
    // bytes of a line begun in the last read, kept at the buffer's start
    let carried = 0
    // the file offset of the buffer's first byte: where the next line starts
    let lineStart = from
    let position = from
    const pattern = new RegExp(bytes.pattern.source, "gi")
    while (position < end && hits.length < limit) {
      if (buffer.length - carried < chunkBytes) {
        // a line longer than the buffer: a larger one, for this file only
        if (carried > MAX_LINE_BYTES) {
          lineStart += carried
          carried = 0
        } else {
          const larger = Buffer.allocUnsafe(carried + chunkBytes)
          buffer.copy(larger, 0, 0, carried)
          buffer = larger
        }
      }
      const bytesRead = readSync(fd, buffer, carried, Math.min(chunkBytes, end - position), position)
      if (bytesRead === 0) break
      position += bytesRead
      const filled = carried + bytesRead
      const last = buffer.lastIndexOf(0x0a, filled - 1)
      if (last === -1) {
        carried = filled
        continue
      }
      const complete = buffer.subarray(0, last + 1)
      if (bytes.foldsBeyondAscii && FOLDING_TO_ASCII.some((c) => complete.includes(c))) {
        for (const line of complete.toString("utf8").split("\n")) {
          const hit = line === "" ? undefined : hitIn(line, matcher)
          if (hit !== undefined && hits.length < limit) hits.push(hit)
        }
      } else {
        const text = complete.toString("latin1")
        pattern.lastIndex = 0
        for (let m = pattern.exec(text); m !== null && hits.length < limit; m = pattern.exec(text)) {
          const start = text.lastIndexOf("\n", m.index) + 1
          const stop = text.indexOf("\n", m.index)
          const hit = hitIn(complete.subarray(start, stop).toString("utf8"), matcher)
          if (hit !== undefined) hits.push(hit)
          pattern.lastIndex = stop + 1
        }
      }
      lineStart += last + 1
      carried = filled - (last + 1)
      buffer.copy(buffer, 0, last + 1, filled)
    }
    return { hits, nextOffset: lineStart }
  } finally {
    closeSync(fd)
  }
}
