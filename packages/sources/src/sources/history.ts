/**
 * The history source: `<root>/history.jsonl`, one line per prompt typed:
 * `{display, project, sessionId, timestamp}` (older releases omit `sessionId`; such lines say
 * nothing about a session and are passed over). The prompt itself is only hashed.
 */
import { join } from "node:path"
import { isClaudeSessionId, readJsonlLines } from "@cc/events"
import * as Schema from "effect/Schema"
import type { Discovery, PromiseSource, SourceQuery } from "../discovery.js"
import { fromPromiseSource, type Source } from "../discovery.js"
import { fsReason } from "../fs-util.js"
import { jsonDecoder } from "../json.js"
import { defaultClaudeHomes } from "../paths.js"
import { hashPrompt } from "../prompt.js"
import { toIsoTimestamp } from "../time.js"
import { matchesTimeWindow } from "./transcripts.js"

export const HISTORY_SOURCE = "history"

export const HistoryLine = Schema.Struct({
  display: Schema.optionalKey(Schema.String),
  project: Schema.optionalKey(Schema.String),
  sessionId: Schema.optionalKey(Schema.String),
  timestamp: Schema.optionalKey(Schema.Union([Schema.Number, Schema.String]))
})
const decodeHistoryLine = jsonDecoder(HistoryLine, "not a history entry")

/** Parses one history.jsonl line; never throws. */
export const parseHistoryLine = (
  text: string
):
  | { readonly _tag: "Ok"; readonly line: typeof HistoryLine.Type }
  | { readonly _tag: "Bad"; readonly reason: string } => {
  const decoded = decodeHistoryLine(text)
  return decoded._tag === "Ok" ? { _tag: "Ok", line: decoded.value } : decoded
}

export interface HistorySourceOptions {
  readonly roots?: ReadonlyArray<string>
}

async function* discoverHistory(options: HistorySourceOptions, query: SourceQuery): AsyncGenerator<Discovery> {
  for (const root of options.roots ?? defaultClaudeHomes()) {
    const path = join(root, "history.jsonl")
    const firstPrompt = new Set<string>()
    try {
      for await (const item of readJsonlLines(path, { maxLineBytes: 4 * 1024 * 1024 })) {
        if (item._tag !== "Line") continue
        const parsed = parseHistoryLine(item.text)
        if (parsed._tag === "Bad") {
          yield {
            _tag: "SourceDiagnostic",
            source: HISTORY_SOURCE,
            severity: "warning",
            reason: parsed.reason,
            path,
            offset: item.offset
          }
          continue
        }
        const line = parsed.line
        if (line.sessionId === undefined || !isClaudeSessionId(line.sessionId)) continue
        if (query.claudeSessionId !== undefined && line.sessionId !== query.claudeSessionId) continue
        if (query.cwd !== undefined && line.project !== query.cwd) continue
        const at = toIsoTimestamp(line.timestamp)
        // only a session's first prompt in history stands for its first prompt
        const isFirst = !firstPrompt.has(line.sessionId)
        firstPrompt.add(line.sessionId)
        const found: Discovery = {
          _tag: "SessionFound",
          source: HISTORY_SOURCE,
          claudeSessionId: line.sessionId,
          confidence: 0.9,
          evidence: `history line at byte ${item.offset} of ${path}`,
          path,
          range: { from: item.offset, to: item.offset + item.length },
          ...(line.project === undefined ? {} : { cwd: line.project }),
          ...(at === undefined ? {} : { firstTimestamp: at, lastTimestamp: at }),
          ...(isFirst && line.display !== undefined ? { promptHash: hashPrompt(line.display) } : {})
        }
        if (matchesTimeWindow(found, query)) yield found
      }
    } catch (error) {
      yield {
        _tag: "SourceDiagnostic",
        source: HISTORY_SOURCE,
        severity: "info",
        reason: fsReason(error, "history.jsonl"),
        path
      }
    }
  }
}

export const historyPromiseSource = (options: HistorySourceOptions = {}): PromiseSource => ({
  name: HISTORY_SOURCE,
  discover: (query) => discoverHistory(options, query)
})

export const historySource = (options: HistorySourceOptions = {}): Source =>
  fromPromiseSource(historyPromiseSource(options))
