/**
 * `claude -p --output-format stream-json --verbose` output: the first line is
 * `{"type":"system","subtype":"init","session_id",…}`, the last `{"type":"result",…}`.
 * Lines that are not JSON (an error printed before the stream, "No conversation found with
 * session ID: …") are kept as text: they explain a failed run.
 */
import { type ClaudeSessionId, isClaudeSessionId } from "@cc/events"
import * as Schema from "effect/Schema"
import { jsonDecoder } from "./json.js"

export const StreamLine = Schema.Struct({
  type: Schema.String,
  subtype: Schema.optionalKey(Schema.String),
  session_id: Schema.optionalKey(Schema.String),
  cwd: Schema.optionalKey(Schema.String),
  model: Schema.optionalKey(Schema.String),
  claude_code_version: Schema.optionalKey(Schema.String),
  is_error: Schema.optionalKey(Schema.Boolean),
  errors: Schema.optionalKey(Schema.Array(Schema.Unknown)),
  result: Schema.optionalKey(Schema.Unknown)
})
export type StreamLine = typeof StreamLine.Type

const decodeStreamLine = jsonDecoder(StreamLine, "not a stream-json message")

export type ParsedStreamLine =
  | { readonly _tag: "Init"; readonly sessionId: ClaudeSessionId; readonly line: StreamLine }
  | { readonly _tag: "Result"; readonly sessionId?: ClaudeSessionId; readonly line: StreamLine }
  | { readonly _tag: "Message"; readonly sessionId?: ClaudeSessionId; readonly line: StreamLine }
  | { readonly _tag: "Text"; readonly text: string }
  | { readonly _tag: "Bad"; readonly reason: string }

const claudeId = (value: string | undefined): ClaudeSessionId | undefined =>
  value !== undefined && isClaudeSessionId(value) ? value : undefined

/** Parses one line of stream-json output; never throws. */
export const parseStreamLine = (text: string): ParsedStreamLine => {
  const trimmed = text.trim()
  if (!trimmed.startsWith("{")) return { _tag: "Text", text: trimmed }
  const decoded = decodeStreamLine(trimmed)
  if (decoded._tag === "Bad") return decoded
  const line = decoded.value
  const sessionId = claudeId(line.session_id)
  if (line.session_id !== undefined && sessionId === undefined)
    return { _tag: "Bad", reason: "session_id is not a UUID" }
  if (line.type === "system" && line.subtype === "init" && sessionId !== undefined)
    return { _tag: "Init", sessionId, line }
  if (line.type === "result") return { _tag: "Result", ...(sessionId === undefined ? {} : { sessionId }), line }
  return { _tag: "Message", ...(sessionId === undefined ? {} : { sessionId }), line }
}

/** The error strings of a result line (`errors: [...]`), as text. */
export const resultErrors = (line: StreamLine): Array<string> =>
  (line.errors ?? []).map((error) => (typeof error === "string" ? error : JSON.stringify(error)))
