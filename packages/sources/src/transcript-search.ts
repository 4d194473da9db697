/**
 * Searching a transcript's conversation: the text of its user prompts and assistant replies
 * (not tool results, attachments or metadata). Each line is first tested as it is on disk (the
 * text, escaped as JSON escapes it, found in the raw line), and only a line that passes is
 * parsed: most lines of most files are never parsed.
 */
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
  const raw = options.regex === true ? undefined : new RegExp(escapeRegExp(JSON.stringify(text).slice(1, -1)), "iu")
  return {
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
  options: { readonly from?: number; readonly to?: number; readonly limit?: number } = {}
): Promise<{ readonly hits: Array<SearchHit>; readonly nextOffset: number }> => {
  const limit = options.limit ?? Number.POSITIVE_INFINITY
  const hits: Array<SearchHit> = []
  let nextOffset = options.from ?? 0
  for await (const item of readJsonlLines(path, {
    chunkBytes: 1024 * 1024,
    maxLineBytes: 64 * 1024 * 1024,
    ...(options.from === undefined ? {} : { from: options.from }),
    ...(options.to === undefined ? {} : { to: options.to })
  })) {
    if (item._tag === "End") nextOffset = item.nextOffset
    if (item._tag !== "Line" || !matcher.mayMatch(item.text)) continue
    const parsed = parseTranscriptLine(item.text)
    if (parsed._tag !== "Ok" || parsed.line.isSidechain === true) continue
    const message = messageText(parsed.line)
    const at = message === undefined ? undefined : matcher.find(message.text)
    if (message === undefined || at === undefined) continue
    hits.push({
      ...(parsed.line.timestamp === undefined ? {} : { timestamp: parsed.line.timestamp }),
      role: message.role,
      snippet: snippetOf(message.text, at)
    })
    if (hits.length >= limit) break
  }
  return { hits, nextOffset }
}
