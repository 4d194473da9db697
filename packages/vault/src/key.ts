/**
 * What the vault keeps a copy of: one transcript, named by its Claude session id and, for a
 * file inside the session's own folder (a subagent's `subagents/agent-….jsonl`), its path
 * there. Both become paths and table keys, so both are checked here, once.
 */
import { type ClaudeSessionId, claudeSessionIdOf } from "@cc/events"
import * as Schema from "effect/Schema"

/** A path inside `<project>/<sessionId>/`: plain segments, no `.` or `..`, ending in `.jsonl`. */
const SUBPATH = /^(?:[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}\/){0,3}[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}\.jsonl$/

export const isSubpath = (value: string): boolean => value === "" || (SUBPATH.test(value) && !value.includes(".."))

export const Subpath = Schema.String.pipe(Schema.check(Schema.makeFilter((s: string) => isSubpath(s))))

export interface TranscriptKey {
  readonly sessionId: ClaudeSessionId
  /** "" for the session's own transcript, else its path inside the session's folder. */
  readonly subpath: string
}

/** A key, or undefined when the id is not a Claude session id or the subpath not a plain one. */
export const transcriptKeyOf = (sessionId: string, subpath = ""): TranscriptKey | undefined => {
  const id = claudeSessionIdOf(sessionId)
  return id === undefined || !isSubpath(subpath) ? undefined : { sessionId: id, subpath }
}

/** One string per key, for maps and messages: `<id>` or `<id>/<subpath>`. */
export const keyName = (key: TranscriptKey): string =>
  key.subpath === "" ? key.sessionId : `${key.sessionId}/${key.subpath}`

/** Where the transcript sits under a Claude project folder. */
export const pathInProject = (key: TranscriptKey): string =>
  key.subpath === "" ? `${key.sessionId}.jsonl` : `${key.sessionId}/${key.subpath}`

/** The order every vault lists in: by id, then subpath (code units, not a locale's order). */
export const byKey = (a: { readonly key: TranscriptKey }, b: { readonly key: TranscriptKey }): number => {
  const x = keyName(a.key)
  const y = keyName(b.key)
  return x < y ? -1 : x > y ? 1 : 0
}
