/**
 * What Claude Code (2.1.x) and the Agent SDK record about a session beside its messages: a
 * title (`custom-title` from `-n`, `/rename` or the SDK's `renameSession`; `agent-name`; an
 * `ai-title`), a `tag`, a hand-off to another session (`continued-in`), a move to another cwd
 * (`relocated`, from `/cd`), a pull request (`pr-link`); and, on message lines, the
 * `entrypoint` (`cli`, `sdk-cli`, `sdk-ts`, `sdk-py`), the `sessionKind` (`daemon`, …) and an
 * explicit fork's `forkedFrom`. Each record type is last-wins in file order, as Claude's own
 * reader has it. Pure: the head, tail and append readers hand lines to it.
 */
import { ClaudeSessionId, claudeSessionIdOf, isJsonObject } from "@cc/events"
import * as Schema from "effect/Schema"

export const PrLink = Schema.Struct({
  url: Schema.String,
  number: Schema.optionalKey(Schema.Number),
  repository: Schema.optionalKey(Schema.String)
})
export type PrLink = typeof PrLink.Type

/** What is known of a session's records; a Schema, because the transcript index keeps it (a boundary). */
export const SessionRecords = Schema.Struct({
  customTitle: Schema.optionalKey(Schema.String),
  agentName: Schema.optionalKey(Schema.String),
  aiTitle: Schema.optionalKey(Schema.String),
  /** `null`: cleared (a `tag` record with an empty tag, the SDK's `tagSession(id, null)`), which a later part of the file says over an earlier tag. */
  tag: Schema.optionalKey(Schema.NullOr(Schema.String)),
  continuedIn: Schema.optionalKey(ClaudeSessionId),
  relocatedCwd: Schema.optionalKey(Schema.String),
  prLink: Schema.optionalKey(PrLink),
  entrypoint: Schema.optionalKey(Schema.String),
  /** The git branch of the last message read (the head's is the branch it started on). */
  lastGitBranch: Schema.optionalKey(Schema.String),
  sessionKind: Schema.optionalKey(Schema.String),
  forkedFrom: Schema.optionalKey(
    Schema.Struct({ sessionId: ClaudeSessionId, messageUuid: Schema.optionalKey(Schema.String) })
  )
})
export type SessionRecords = typeof SessionRecords.Type

export const noRecords: SessionRecords = {}

/** The record types read, each as its line starts (Claude writes `type` first). */
const RECORD_STARTS = ["custom-title", "agent-name", "ai-title", "tag", "continued-in", "relocated", "pr-link"].map(
  (type) => `{"type":"${type}"`
)

/** Whether a line's text is one of the records (a test on its first bytes: no parse). */
export const isRecordLine = (text: string): boolean => {
  if (!text.startsWith('{"type":"')) return false
  for (const start of RECORD_STARTS) if (text.startsWith(start)) return true
  return false
}

/** The record line's first bytes, for the tail's byte scan. */
export const RECORD_LINE_STARTS: ReadonlyArray<Buffer> = RECORD_STARTS.map((s) => Buffer.from(s))

const MAX_TEXT = 1000

/**
 * A title or tag as the file has it, as the SDK's reader shows it (not trimmed: its oracle test
 * holds us to that); at most 1,000 characters, so a hostile file is bounded. Control characters
 * are kept here and escaped wherever a person reads them (`terminalSafe`).
 */
const recordText = (value: unknown): string | undefined => {
  if (typeof value !== "string" || value === "") return undefined
  return value.length <= MAX_TEXT ? value : [...value].slice(0, MAX_TEXT).join("")
}

/** Applies one record (a parsed JSON object) over what is known: later records win. */
export const applyRecord = (records: SessionRecords, value: unknown): SessionRecords => {
  if (!isJsonObject(value)) return records
  switch (value.type) {
    case "custom-title": {
      const title = recordText(value.customTitle)
      return title === undefined ? records : { ...records, customTitle: title }
    }
    case "agent-name": {
      const name = recordText(value.agentName)
      return name === undefined ? records : { ...records, agentName: name }
    }
    case "ai-title": {
      const title = recordText(value.aiTitle)
      return title === undefined ? records : { ...records, aiTitle: title }
    }
    case "tag":
      // an empty tag is how the SDK's tagSession(id, null) clears it
      return typeof value.tag === "string" ? { ...records, tag: recordText(value.tag) ?? null } : records
    case "continued-in": {
      const next =
        typeof value.continuedInSessionId === "string" ? claudeSessionIdOf(value.continuedInSessionId) : undefined
      return next === undefined ? records : { ...records, continuedIn: next }
    }
    case "relocated":
      return typeof value.relocatedCwd === "string" && value.relocatedCwd.startsWith("/")
        ? { ...records, relocatedCwd: value.relocatedCwd }
        : records
    case "pr-link": {
      if (typeof value.prUrl !== "string" || !/^https?:\/\//.test(value.prUrl)) return records
      return {
        ...records,
        prLink: {
          url: value.prUrl,
          ...(typeof value.prNumber === "number" ? { number: value.prNumber } : {}),
          ...(typeof value.prRepository === "string" ? { repository: value.prRepository } : {})
        }
      }
    }
    default:
      return records
  }
}

/** Applies a line's text if it is a record (anything else, or JSON that does not parse, changes nothing). */
export const applyRecordText = (records: SessionRecords, text: string): SessionRecords => {
  if (!isRecordLine(text)) return records
  try {
    return applyRecord(records, JSON.parse(text))
  } catch {
    return records
  }
}

/** What a message line says of its session: its entrypoint and kind (first seen wins), an explicit fork's parent. */
export const applyMessageFields = (
  records: SessionRecords,
  fields: { readonly entrypoint?: unknown; readonly sessionKind?: unknown; readonly forkedFrom?: unknown }
): SessionRecords => {
  let next = records
  if (next.entrypoint === undefined && typeof fields.entrypoint === "string" && fields.entrypoint.length <= 64)
    next = { ...next, entrypoint: fields.entrypoint }
  if (next.sessionKind === undefined && typeof fields.sessionKind === "string" && fields.sessionKind.length <= 64)
    next = { ...next, sessionKind: fields.sessionKind }
  if (next.forkedFrom === undefined && isJsonObject(fields.forkedFrom)) {
    const parent =
      typeof fields.forkedFrom.sessionId === "string" ? claudeSessionIdOf(fields.forkedFrom.sessionId) : undefined
    const messageUuid = fields.forkedFrom.messageUuid
    if (parent !== undefined)
      next = { ...next, forkedFrom: { sessionId: parent, ...(typeof messageUuid === "string" ? { messageUuid } : {}) } }
  }
  return next
}

const GIT_BRANCH = /"gitBranch":"([^"\\]{1,256})"/g

/** The branch the last message of a text of lines was on, over what was known. */
export const applyGitBranch = (records: SessionRecords, text: string): SessionRecords => {
  if (!text.includes('"gitBranch":"')) return records
  let last: string | undefined
  for (const match of text.matchAll(GIT_BRANCH)) last = match[1]
  return last === undefined || last === records.lastGitBranch ? records : { ...records, lastGitBranch: last }
}

/** `newer` over `older`: what a later part of the file says wins, field by field. */
export const mergeRecords = (older: SessionRecords, newer: SessionRecords): SessionRecords => ({
  ...older,
  ...newer,
  // first seen wins for these: they are the session's from its start
  ...(older.entrypoint === undefined ? {} : { entrypoint: older.entrypoint }),
  ...(older.sessionKind === undefined ? {} : { sessionKind: older.sessionKind }),
  ...(older.forkedFrom === undefined ? {} : { forkedFrom: older.forkedFrom })
})

/** The session's title as Claude's picker and the SDK show it: custom title, agent name, AI title, then the first prompt. */
export const sessionTitle = (records: SessionRecords, firstPrompt?: string): string | undefined =>
  records.customTitle ?? records.agentName ?? records.aiTitle ?? firstPrompt

/** Sessions an SDK, a daemon or a headless `-p` started, not a person at a terminal (the SDK's `includeProgrammatic`). */
export const isProgrammatic = (records: SessionRecords): boolean =>
  records.entrypoint?.startsWith("sdk-") === true ||
  records.sessionKind === "daemon" ||
  records.sessionKind === "daemon-worker"
