/**
 * One line of a Claude Code transcript. Unknown line types and fields appear in every release,
 * so lines are decoded with a schema that names only what we use and lets everything else through.
 */
import * as Exit from "effect/Exit"
import * as Schema from "effect/Schema"
import { jsonDecoder } from "./json.js"

const TextBlock = Schema.Struct({ type: Schema.String, text: Schema.optionalKey(Schema.String) })
const MessageContent = Schema.Union([Schema.String, Schema.Array(TextBlock)])
const UserMessage = Schema.Struct({ role: Schema.optionalKey(Schema.String), content: MessageContent })

export const TranscriptLine = Schema.Struct({
  type: Schema.String,
  sessionId: Schema.optionalKey(Schema.String),
  uuid: Schema.optionalKey(Schema.String),
  parentUuid: Schema.optionalKey(Schema.NullOr(Schema.String)),
  leafUuid: Schema.optionalKey(Schema.String),
  cwd: Schema.optionalKey(Schema.String),
  version: Schema.optionalKey(Schema.String),
  gitBranch: Schema.optionalKey(Schema.String),
  timestamp: Schema.optionalKey(Schema.String),
  isSidechain: Schema.optionalKey(Schema.Boolean),
  isMeta: Schema.optionalKey(Schema.Boolean),
  message: Schema.optionalKey(Schema.Unknown),
  // read by transcript-records.ts, which checks their shape: a line is never refused for them
  entrypoint: Schema.optionalKey(Schema.Unknown),
  sessionKind: Schema.optionalKey(Schema.Unknown),
  forkedFrom: Schema.optionalKey(Schema.Unknown)
})
export type TranscriptLine = typeof TranscriptLine.Type

const decodeLine = jsonDecoder(TranscriptLine, "not a transcript entry")
const decodeUserMessage = Schema.decodeUnknownExit(UserMessage)

export type ParsedLine =
  | { readonly _tag: "Ok"; readonly line: TranscriptLine }
  | { readonly _tag: "Bad"; readonly reason: string }

/** Parses one transcript line; never throws. */
export const parseTranscriptLine = (text: string): ParsedLine => {
  const decoded = decodeLine(text)
  return decoded._tag === "Ok" ? { _tag: "Ok", line: decoded.value } : decoded
}

/** The text a user typed, if this line is a real (not meta, not tool-result) user prompt. */
export const promptText = (line: TranscriptLine): string | undefined => {
  if (line.type !== "user" || line.isMeta === true || line.isSidechain === true) return undefined
  const message = decodeUserMessage(line.message)
  if (Exit.isFailure(message)) return undefined
  const content = message.value.content
  const text =
    typeof content === "string"
      ? content
      : content
          .filter((block) => block.type === "text" && block.text !== undefined)
          .map((block) => block.text)
          .join("\n")
  return text.trim() === "" ? undefined : text
}
