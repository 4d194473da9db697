/**
 * The Agent SDK's archive mark: `<project folder>/<id>/archived.json`, `{archived, at, by}`,
 * written by `archiveSession` beside the transcript (the transcript itself is not touched). A
 * session is archived while the mark says so and no message came after it: "a prompt sent in
 * the session later unarchives it", as the SDK's reader has it.
 */
import { readFileSync } from "node:fs"
import { jsonDecoder } from "@cc/events"
import type { SourceDiagnostic } from "@cc/sources"
import * as Schema from "effect/Schema"
import type { IndexedTranscript } from "./index-format.js"
import { stampOf } from "./session-folder.js"
import { diagnostic } from "./transcript-entry.js"

export const ARCHIVE_FILE = "archived.json"
/** A session folder's name is its id: a UUID. */
export const UUID_CHARS = 36
/** The SDK reads at most this much of a mark; a larger file is no mark. */
const MAX_MARK_BYTES = 4096

const Mark = Schema.Struct({ archived: Schema.Boolean, at: Schema.String })
const decodeMark = jsonDecoder(Mark, "not an archive mark")

/** The mark's mtime (its stamp in the index), 0 when there is none. */
export const archiveMtime = (path: string): number => stampOf(path, "file")

/** The transcript with the mark at `path` (stamped `mtimeMs`; 0: none) read into it. */
export const withArchive = (
  t: IndexedTranscript,
  path: string,
  mtimeMs: number,
  diagnostics: Array<SourceDiagnostic>
): IndexedTranscript => {
  const { archive: _old, ...rest } = t
  if (mtimeMs === 0) return rest
  let text = ""
  try {
    text = readFileSync(path, "utf8")
  } catch {
    // gone since its stat: kept as no mark (its stamp says to look again next time)
  }
  const decoded = text.length > MAX_MARK_BYTES ? undefined : decodeMark(text)
  const atMs = decoded?._tag === "Ok" ? Date.parse(decoded.value.at) : Number.NaN
  if (decoded?._tag !== "Ok" || Number.isNaN(atMs)) {
    diagnostics.push(diagnostic("archive mark not read: not {archived, at}", path, "info"))
    // stamped all the same, so an unreadable mark is not read again until it changes; its
    // time is negative: no mark, as the SDK's reader takes one it cannot parse
    return { ...rest, archive: { archived: false, atMs: -1, mtimeMs } }
  }
  return { ...rest, archive: { archived: decoded.value.archived, atMs, mtimeMs } }
}

/**
 * Whether the session is archived: `undefined` if it never was (no mark), `false` if the mark
 * says not, or a message came after it.
 */
export const isArchived = (t: Pick<IndexedTranscript, "archive" | "lastTimestamp">): boolean | undefined => {
  if (t.archive === undefined || t.archive.atMs < 0) return undefined
  if (!t.archive.archived) return false
  const last = t.lastTimestamp === undefined ? Number.NaN : Date.parse(t.lastTimestamp)
  return !(last > t.archive.atMs)
}
