/**
 * A title, a tag and the archive mark written in Claude's own format, as the Agent SDK's
 * `renameSession`, `tagSession` and `archiveSession` write them, so that Claude's picker, the
 * SDK and this index all read them back: a `custom-title` or `tag` line appended to the
 * session's transcript, and `<id>/archived.json` beside it. Every writer (the CLI's `rename`,
 * `@cc/agent-sdk`'s functions) goes through here, `writeMark` saying which event records it.
 */
import { closeSync, fstatSync, mkdirSync, openSync, readSync, writeSync } from "node:fs"
import { dirname, join } from "node:path"
import { type ClaudeSessionId, makeEvent, type SessionEvent, type StableId, writeFileAtomicSync } from "@cc/events"

// biome-ignore lint/suspicious/noControlCharactersInRegex: what a title or tag may not hold
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/

/** A title or tag as given, trimmed (as the SDK trims it), or why it cannot be one: empty, control characters, over 200 characters. */
export const cleanMark = (
  text: string,
  what: "title" | "tag"
): { readonly _tag: "Ok"; readonly text: string } | { readonly _tag: "Bad"; readonly reason: string } => {
  const trimmed = text.trim()
  if (trimmed === "") return { _tag: "Bad", reason: `the ${what} is empty` }
  if (CONTROL.test(trimmed)) return { _tag: "Bad", reason: `the ${what} holds control characters` }
  if ([...trimmed].length > 200) return { _tag: "Bad", reason: `the ${what} is longer than 200 characters` }
  return { _tag: "Ok", text: trimmed }
}

/**
 * Appends one line to a transcript, whole: on a line of its own even if the file does not end
 * with a newline (a writer cut short), in one `write` to a file opened for appending.
 */
const appendRecord = (path: string, record: object): void => {
  const fd = openSync(path, "a")
  try {
    const size = fstatSync(fd).size
    let lead = ""
    if (size > 0) {
      const last = Buffer.alloc(1)
      const reader = openSync(path, "r")
      try {
        readSync(reader, last, 0, 1, size - 1)
      } finally {
        closeSync(reader)
      }
      if (last[0] !== 0x0a) lead = "\n"
    }
    writeSync(fd, `${lead}${JSON.stringify(record)}\n`)
  } finally {
    closeSync(fd)
  }
}

/** A `custom-title` line (a title already cleaned). */
export const writeTitle = (transcript: string, sessionId: string, title: string): void =>
  appendRecord(transcript, { type: "custom-title", customTitle: title, sessionId })

/** A `tag` line; null clears it (an empty tag, as the SDK's `tagSession(id, null)` writes it). */
export const writeTag = (transcript: string, sessionId: string, tag: string | null): void =>
  appendRecord(transcript, { type: "tag", tag: tag ?? "", sessionId })

/** The SDK's archive mark beside the transcript (`<id>/archived.json`); returns its path. */
export const writeArchiveMark = (transcript: string, sessionId: string, archived: boolean): string => {
  const mark = join(dirname(transcript), sessionId, "archived.json")
  mkdirSync(dirname(mark), { recursive: true, mode: 0o700 })
  writeFileAtomicSync(mark, JSON.stringify({ archived, at: new Date().toISOString(), by: "user" }))
  return mark
}

/** A mark as a writer asks for it: the title or tag already cleaned (`cleanMark`), null clearing the tag. */
export type TranscriptMark =
  | { readonly _tag: "Title"; readonly title: string }
  | { readonly _tag: "Tag"; readonly tag: string | null }
  | { readonly _tag: "Archive"; readonly archived: boolean }

/**
 * Writes a mark into the session's latest transcript (or beside it), and returns the events
 * that record it for the stable session that owns it (none if none does). A title's own text
 * never goes into an event: the event says only that it was renamed. `archiveMark`: where an
 * archive mark was written.
 */
export const writeMark = (
  transcript: string,
  latest: ClaudeSessionId,
  mark: TranscriptMark,
  owner: StableId | undefined
): { readonly events: ReadonlyArray<SessionEvent>; readonly archiveMark?: string } => {
  const recorded = (event: (owner: StableId) => SessionEvent) => (owner === undefined ? [] : [event(owner)])
  switch (mark._tag) {
    case "Title":
      writeTitle(transcript, latest, mark.title)
      return { events: recorded((id) => makeEvent("session.titled", id, { claudeSessionId: latest })) }
    case "Tag":
      writeTag(transcript, latest, mark.tag)
      return { events: recorded((id) => makeEvent("session.tagged", id, { claudeSessionId: latest, tag: mark.tag })) }
    case "Archive":
      return {
        archiveMark: writeArchiveMark(transcript, latest, mark.archived),
        events: recorded((id) => makeEvent("session.archived", id, { archived: mark.archived }))
      }
  }
}
