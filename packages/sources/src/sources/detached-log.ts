/**
 * The detached-log source: a file of `claude -p --output-format stream-json` lines written by a
 * detached run, and the sidecar beside it (`output.log` → `output.session.json`).
 */
import { readJsonlLines } from "@cc/events"
import type { Discovery, PromiseSource, SourceQuery } from "../discovery.js"
import { fromPromiseSource, type Source } from "../discovery.js"
import { fsReason } from "../fs-util.js"
import { sidecarPathFor } from "../paths.js"
import { readSidecar } from "../sidecar.js"
import { parseStreamLine, resultErrors } from "../stream-json.js"

export const DETACHED_LOG_SOURCE = "detached-log"
export const SIDECAR_SOURCE = "sidecar"

export interface DetachedLogSourceOptions {
  /** Log files to read when the query names none. */
  readonly logs?: ReadonlyArray<string>
}

const diagnostic = (
  source: string,
  reason: string,
  path: string,
  severity: "info" | "warning" | "error" = "warning",
  offset?: number
): Discovery => ({
  _tag: "SourceDiagnostic",
  source,
  severity,
  reason,
  path,
  ...(offset === undefined ? {} : { offset })
})

/** Everything one detached run's sidecar and log say. */
export async function* readDetachedRun(logPath: string): AsyncGenerator<Discovery> {
  const sidecarPath = sidecarPathFor(logPath)
  const sidecar = await readSidecar(sidecarPath)
  if (sidecar._tag === "Invalid") yield diagnostic(SIDECAR_SOURCE, sidecar.reason, sidecarPath)
  if (sidecar._tag === "Ok" && sidecar.sidecar.claudeSessionId !== undefined) {
    const s = sidecar.sidecar
    yield {
      _tag: "SessionFound",
      source: SIDECAR_SOURCE,
      claudeSessionId: s.claudeSessionId as NonNullable<typeof s.claudeSessionId>,
      confidence: 1,
      evidence: `sidecar ${sidecarPath}`,
      path: sidecarPath,
      ...(s.stableId === undefined ? {} : { stableId: s.stableId }),
      ...(s.cwd === undefined ? {} : { cwd: s.cwd }),
      ...(s.startedAt === undefined ? {} : { firstTimestamp: s.startedAt })
    }
  }
  const stableId = sidecar._tag === "Ok" ? sidecar.sidecar.stableId : undefined
  const texts: Array<string> = []
  let sawJson = false
  let sawResult = false
  try {
    for await (const item of readJsonlLines(logPath, { maxLineBytes: 4 * 1024 * 1024 })) {
      if (item._tag === "End") {
        if (item.pending > 0) {
          yield diagnostic(
            DETACHED_LOG_SOURCE,
            "last line is incomplete (run still writing, or killed)",
            logPath,
            "info",
            item.nextOffset
          )
        }
        break
      }
      if (item._tag === "Oversized") {
        yield diagnostic(DETACHED_LOG_SOURCE, `line of ${item.length} bytes skipped`, logPath, "info", item.offset)
        continue
      }
      if (item.text.trim() === "") continue
      const parsed = parseStreamLine(item.text)
      switch (parsed._tag) {
        case "Text":
          texts.push(parsed.text)
          break
        case "Bad":
          yield diagnostic(DETACHED_LOG_SOURCE, parsed.reason, logPath, "warning", item.offset)
          break
        case "Init":
          sawJson = true
          yield {
            _tag: "SessionFound",
            source: DETACHED_LOG_SOURCE,
            claudeSessionId: parsed.sessionId,
            confidence: 1,
            evidence: `system/init at byte ${item.offset} of ${logPath}`,
            path: logPath,
            range: { from: item.offset, to: item.offset + item.length },
            ...(stableId === undefined ? {} : { stableId }),
            ...(parsed.line.cwd === undefined ? {} : { cwd: parsed.line.cwd }),
            ...(parsed.line.claude_code_version === undefined ? {} : { claudeVersion: parsed.line.claude_code_version })
          }
          break
        case "Result": {
          sawJson = true
          sawResult = true
          const isError = parsed.line.is_error === true
          yield {
            _tag: "RunResultFound",
            source: DETACHED_LOG_SOURCE,
            isError,
            errors: isError ? [...resultErrors(parsed.line), ...texts] : [],
            path: logPath,
            ...(parsed.sessionId === undefined ? {} : { claudeSessionId: parsed.sessionId }),
            ...(parsed.line.subtype === undefined ? {} : { subtype: parsed.line.subtype }),
            ...(stableId === undefined ? {} : { stableId })
          }
          break
        }
        case "Message":
          sawJson = true
          break
      }
    }
  } catch (error) {
    yield diagnostic(DETACHED_LOG_SOURCE, fsReason(error, "detached run log"), logPath)
    return
  }
  if (!sawJson && texts.length > 0) {
    yield diagnostic(
      DETACHED_LOG_SOURCE,
      "no stream-json lines: text output carries no session id (find it through transcripts)",
      logPath,
      "info"
    )
  } else if (sawJson && !sawResult) {
    yield diagnostic(DETACHED_LOG_SOURCE, "no result line yet: the run is still going, or was killed", logPath, "info")
  }
}

async function* discoverDetached(options: DetachedLogSourceOptions, query: SourceQuery): AsyncGenerator<Discovery> {
  const logs = query.logPath !== undefined ? [query.logPath] : (options.logs ?? [])
  for (const log of logs) yield* readDetachedRun(log)
}

export const detachedLogPromiseSource = (options: DetachedLogSourceOptions = {}): PromiseSource => ({
  name: DETACHED_LOG_SOURCE,
  discover: (query) => discoverDetached(options, query)
})

export const detachedLogSource = (options: DetachedLogSourceOptions = {}): Source =>
  fromPromiseSource(detachedLogPromiseSource(options))
