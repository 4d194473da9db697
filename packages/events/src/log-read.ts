/**
 * Reading the event log file: its lines as events and skipped-line diagnostics from an offset,
 * and the events of some sessions through the session index (the log after the index's mark is
 * read and indexed, the rest only where the index points).
 */
import { closeSync, openSync, statSync } from "node:fs"
import { decodeEventLine } from "./codec.js"
import type { StoreDiagnostic } from "./diagnostics.js"
import { readJsonlLines } from "./jsonl.js"
import { claudeIdsOf } from "./schema.js"
import {
  appendIndexLines,
  type IndexFileText,
  type LogTail,
  readPlaces,
  replaceIndexFile,
  SessionIndex
} from "./session-index.js"
import type { LogItem, ReadResult, SessionQuery, StoredEvent } from "./store.js"

export type FileItem =
  | { readonly _tag: "Event"; readonly stored: StoredEvent; readonly length: number }
  | Extract<LogItem, { _tag: "Diagnostic" }>
  | { readonly _tag: "End"; readonly next: number }

export const itemsFrom = async function* (path: string, from: number): AsyncGenerator<FileItem> {
  for await (const item of readJsonlLines(path, { from })) {
    switch (item._tag) {
      case "Line": {
        if (item.text.trim() === "") continue
        const decoded = decodeEventLine(item.text)
        if (decoded._tag === "Event") {
          yield { _tag: "Event", stored: { event: decoded.event, offset: item.offset }, length: item.length }
        } else {
          yield {
            _tag: "Diagnostic",
            diagnostic: { _tag: "SkippedLine", offset: item.offset, length: item.length, reason: decoded.reason }
          }
        }
        break
      }
      case "Oversized":
        yield {
          _tag: "Diagnostic",
          diagnostic: { _tag: "SkippedLine", offset: item.offset, length: item.length, reason: "line too long" }
        }
        break
      case "End":
        yield { _tag: "End", next: item.nextOffset }
    }
  }
}

export const readTail = async (path: string, from: number): Promise<LogTail> => {
  // nothing past `from` (a caller keeping up with the log, the usual case): one stat, no read
  if (statSync(path).size <= from) return { events: [], diagnostics: [], nextOffset: from }
  const events: Array<StoredEvent & { readonly length: number }> = []
  const diagnostics: Array<StoreDiagnostic> = []
  let nextOffset = from
  for await (const item of itemsFrom(path, from)) {
    if (item._tag === "Event") events.push({ ...item.stored, length: item.length })
    else if (item._tag === "Diagnostic") diagnostics.push(item.diagnostic)
    else nextOffset = item.next
  }
  return { events, diagnostics, nextOffset }
}

/**
 * The events of the sessions a query names, from the session index: the log after the index's
 * mark is read (and indexed), the rest only where the index points. An index that turns out
 * not to match the log is rebuilt from a whole read, so the answer never depends on it.
 */
export const readSessionsIndexed = async (
  path: string,
  indexFile: IndexFileText,
  query: SessionQuery,
  writable: boolean
): Promise<ReadResult> => {
  const indexPath = indexFile.path
  const fd = openSync(path, "r")
  try {
    const wanted = new Set<string>(query.sessions ?? [])
    const mentioned = new Set<string>(query.mentioning ?? [])
    const loaded = SessionIndex.of(indexFile.read(), fd)
    if (loaded !== undefined) {
      const answer = await answerFrom(loaded, fd, path, indexPath, wanted, mentioned, writable)
      if (answer !== undefined) return answer
    }
    // no index, or one that is not this log's: read the log whole, and index it afresh
    return (await answerFrom(SessionIndex.empty(), fd, path, indexPath, wanted, mentioned, writable)) as ReadResult
  } finally {
    closeSync(fd)
  }
}

/** The answer from `index` and the log after its mark; undefined if the index proves wrong. */
const answerFrom = async (
  index: SessionIndex,
  fd: number,
  path: string,
  indexPath: string,
  sessions: ReadonlySet<string>,
  mentioned: ReadonlySet<string>,
  writable: boolean
): Promise<ReadResult | undefined> => {
  // (nothing appended since the mark, the common case, is one stat in readTail)
  const tail = await readTail(path, index.mark.next)
  const wanted = new Set(sessions)
  for (const session of index.sessionsMentioning(mentioned)) wanted.add(session)
  for (const { event } of tail.events) if (claudeIdsOf(event).some((id) => mentioned.has(id))) wanted.add(event.session)
  const events: Array<StoredEvent> = []
  for (const session of wanted) {
    const found = readPlaces(fd, session, index.placesOf(session))
    if (found.failed) return undefined
    events.push(...found.events)
  }
  const skipped = index.skippedLines(fd)
  if (skipped === undefined) return undefined
  if (writable) {
    const added = index.linesFor(tail)
    if (index.mark.next === 0) replaceIndexFile(indexPath, added)
    else if (tail.nextOffset !== index.mark.next) appendIndexLines(indexPath, added)
  }
  for (const stored of tail.events)
    if (wanted.has(stored.event.session)) events.push({ event: stored.event, offset: stored.offset })
  return {
    events: events.sort((a, b) => a.offset - b.offset),
    diagnostics: [...skipped, ...tail.diagnostics],
    nextOffset: tail.nextOffset
  }
}
