/**
 * The background-jobs source: `<root>/jobs/<short>/state.json`, written by `claude --bg`
 * (`{sessionId, cwd, createdAt, state, …}`).
 */
import { readFile } from "node:fs/promises"
import { join } from "node:path"
import { ClaudeSessionId } from "@cc/events"
import * as Schema from "effect/Schema"
import type { Discovery, PromiseSource, SourceQuery } from "../discovery.js"
import { fromPromiseSource, type Source } from "../discovery.js"
import { fsReason, listDir } from "../fs-util.js"
import { jsonDecoder } from "../json.js"
import { defaultClaudeHomes, isSafeName } from "../paths.js"
import { toIsoTimestamp } from "../time.js"
import { matchesTimeWindow } from "./transcripts.js"

export const JOBS_SOURCE = "jobs"

export const JobState = Schema.Struct({
  sessionId: ClaudeSessionId,
  cwd: Schema.optionalKey(Schema.String),
  createdAt: Schema.optionalKey(Schema.Union([Schema.String, Schema.Number])),
  updatedAt: Schema.optionalKey(Schema.Union([Schema.String, Schema.Number])),
  state: Schema.optionalKey(Schema.String)
})
const decodeJobState = jsonDecoder(JobState, "not a job state")

/** Parses a job's state.json; never throws. */
export const parseJobState = (
  text: string
): { readonly _tag: "Ok"; readonly job: typeof JobState.Type } | { readonly _tag: "Bad"; readonly reason: string } => {
  const decoded = decodeJobState(text)
  return decoded._tag === "Bad" ? decoded : { _tag: "Ok", job: decoded.value }
}

export interface JobsSourceOptions {
  readonly roots?: ReadonlyArray<string>
}

async function* discoverJobs(options: JobsSourceOptions, query: SourceQuery): AsyncGenerator<Discovery> {
  for (const root of options.roots ?? defaultClaudeHomes()) {
    const jobsDir = join(root, "jobs")
    const listed = await listDir(jobsDir, "jobs folder")
    if (listed._tag === "Failed") {
      yield { _tag: "SourceDiagnostic", source: JOBS_SOURCE, severity: "info", reason: listed.reason, path: jobsDir }
      continue
    }
    for (const dirent of listed.entries) {
      if (!dirent.isDirectory() || !isSafeName(dirent.name)) continue
      const path = join(jobsDir, dirent.name, "state.json")
      let text: string
      try {
        text = await readFile(path, "utf8")
      } catch (error) {
        yield {
          _tag: "SourceDiagnostic",
          source: JOBS_SOURCE,
          severity: "warning",
          reason: fsReason(error, "state.json"),
          path
        }
        continue
      }
      const parsed = parseJobState(text)
      if (parsed._tag === "Bad") {
        yield {
          _tag: "SourceDiagnostic",
          source: JOBS_SOURCE,
          severity: "warning",
          reason: `state.json: ${parsed.reason}`,
          path
        }
        continue
      }
      const job = parsed.job
      const sessionId = job.sessionId
      if (query.claudeSessionId !== undefined && sessionId !== query.claudeSessionId) continue
      if (query.cwd !== undefined && job.cwd !== query.cwd) continue
      const created = toIsoTimestamp(job.createdAt)
      const updated = toIsoTimestamp(job.updatedAt) ?? created
      const found: Discovery = {
        _tag: "SessionFound",
        source: JOBS_SOURCE,
        claudeSessionId: sessionId,
        confidence: 1,
        evidence: `background job ${dirent.name}${job.state === undefined ? "" : ` (${job.state})`}`,
        path,
        ...(job.cwd === undefined ? {} : { cwd: job.cwd }),
        ...(created === undefined ? {} : { firstTimestamp: created }),
        ...(updated === undefined ? {} : { lastTimestamp: updated })
      }
      if (matchesTimeWindow(found, query)) yield found
    }
  }
}

export const jobsPromiseSource = (options: JobsSourceOptions = {}): PromiseSource => ({
  name: JOBS_SOURCE,
  discover: (query) => discoverJobs(options, query)
})

export const jobsSource = (options: JobsSourceOptions = {}): Source => fromPromiseSource(jobsPromiseSource(options))
