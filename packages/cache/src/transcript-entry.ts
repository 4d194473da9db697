/**
 * One transcript as the index keeps it: read whole (a new, truncated or replaced file), or
 * brought up to date from the bytes appended since its saved offset; and an index entry as the
 * transcripts source's own entry.
 */
import type { Stats } from "node:fs"
import { type ClaudeSessionId, readJsonlLines } from "@cc/events"
import {
  applyGitBranch,
  applyRecordText,
  fsReason,
  type LinkFound,
  maxTimestamp,
  readTranscriptEntry,
  readTranscriptTail,
  type SourceDiagnostic,
  type TranscriptEntry
} from "@cc/sources"
import type { IndexedLink, IndexedTranscript } from "./index-format.js"

const SOURCE = "transcripts"

export const diagnostic = (
  reason: string,
  path: string,
  severity: SourceDiagnostic["severity"] = "warning"
): SourceDiagnostic => ({
  _tag: "SourceDiagnostic",
  source: SOURCE,
  severity,
  reason,
  path
})

const headIsIncomplete = (
  t: Pick<IndexedTranscript, "cwd" | "firstTimestamp" | "promptHash" | "rootUuid" | "claudeVersion">
): boolean =>
  t.cwd === undefined ||
  t.firstTimestamp === undefined ||
  t.promptHash === undefined ||
  t.rootUuid === undefined ||
  t.claudeVersion === undefined

/** Reads a transcript from scratch, as the transcripts source does, and keeps what the index needs. */
export const readWhole = async (
  path: string,
  root: string,
  folder: string,
  claudeSessionId: ClaudeSessionId,
  diagnostics: Array<SourceDiagnostic>,
  known?: Stats
): Promise<IndexedTranscript | undefined> => {
  const read = await readTranscriptEntry(path, folder, claudeSessionId, known)
  for (const d of read.diagnostics) if (d._tag === "SourceDiagnostic") diagnostics.push(d)
  const entry = read.entry
  if (entry === undefined) return undefined
  const { head } = entry
  const facts = {
    ...(head.cwd === undefined ? {} : { cwd: head.cwd }),
    ...(head.firstTimestamp === undefined ? {} : { firstTimestamp: head.firstTimestamp }),
    ...(entry.lastTimestamp === undefined ? {} : { lastTimestamp: entry.lastTimestamp }),
    ...(head.promptHash === undefined ? {} : { promptHash: head.promptHash }),
    ...(head.claudeVersion === undefined ? {} : { claudeVersion: head.claudeVersion }),
    ...(head.gitBranch === undefined ? {} : { gitBranch: head.gitBranch }),
    ...(head.rootUuid === undefined ? {} : { rootUuid: head.rootUuid })
  }
  return {
    path,
    root,
    folder,
    claudeSessionId,
    size: entry.size,
    mtimeMs: entry.mtimeMs,
    ino: entry.ino,
    birthtimeMs: entry.birthtimeMs,
    parsedOffset: entry.completeEnd,
    headDigest: entry.headDigest ?? "",
    ...facts,
    summaryLeafUuids: [...head.summaryLeafUuids],
    tailUuids: [...(entry.tailUuids ?? [])],
    sidechain: head.sidechain,
    ...(head.firstPrompt === undefined ? {} : { firstPrompt: head.firstPrompt }),
    records: entry.records,
    headIncomplete: headIsIncomplete(facts)
  }
}

/** Parses only the complete lines appended since `parsedOffset`. */
export const readAppended = async (
  previous: IndexedTranscript,
  size: number,
  mtimeMs: number,
  diagnostics: Array<SourceDiagnostic>
): Promise<IndexedTranscript | undefined> => {
  let lastTimestamp = previous.lastTimestamp
  let parsedOffset = previous.parsedOffset
  // every appended line is seen: a title or tag set since is known however far back it is
  let records = previous.records
  try {
    for await (const item of readJsonlLines(previous.path, {
      from: previous.parsedOffset,
      to: size,
      maxLineBytes: 2 * 1024 * 1024
    })) {
      if (item._tag === "Line") {
        lastTimestamp = maxTimestamp(item.text, lastTimestamp)
        records = applyGitBranch(applyRecordText(records, item.text), item.text)
      } else if (item._tag === "Oversized")
        diagnostics.push({
          ...diagnostic(`line of ${item.length} bytes skipped`, previous.path, "info"),
          offset: item.offset
        })
      else parsedOffset = item.nextOffset
    }
  } catch (error) {
    diagnostics.push(diagnostic(fsReason(error, "transcript"), previous.path))
    return undefined
  }
  // the last messages changed: their uuids come from the same small tail read a rebuild does
  let tailUuids = previous.tailUuids
  try {
    tailUuids = [...(await readTranscriptTail(previous.path)).tailUuids]
  } catch (error) {
    diagnostics.push(diagnostic(fsReason(error, "transcript"), previous.path))
    return undefined
  }
  return {
    ...previous,
    size,
    mtimeMs,
    parsedOffset,
    tailUuids,
    records,
    ...(lastTimestamp === undefined ? {} : { lastTimestamp })
  }
}

/** An index entry as the transcripts source's own entry (no file read). */
export const toEntry = (t: IndexedTranscript): TranscriptEntry => ({
  path: t.path,
  tailUuids: t.tailUuids,
  folder: t.folder,
  claudeSessionId: t.claudeSessionId,
  size: t.size,
  birthtimeMs: t.birthtimeMs,
  mtimeMs: t.mtimeMs,
  ino: t.ino,
  completeEnd: t.parsedOffset,
  headDigest: t.headDigest,
  records: t.records,
  ...(t.lastTimestamp === undefined ? {} : { lastTimestamp: t.lastTimestamp }),
  head: {
    ...(t.cwd === undefined ? {} : { cwd: t.cwd }),
    ...(t.firstTimestamp === undefined ? {} : { firstTimestamp: t.firstTimestamp }),
    ...(t.rootUuid === undefined ? {} : { rootUuid: t.rootUuid }),
    ...(t.promptHash === undefined ? {} : { promptHash: t.promptHash }),
    ...(t.claudeVersion === undefined ? {} : { claudeVersion: t.claudeVersion }),
    ...(t.gitBranch === undefined ? {} : { gitBranch: t.gitBranch }),
    summaryLeafUuids: t.summaryLeafUuids,
    sidechain: t.sidechain,
    ...(t.firstPrompt === undefined ? {} : { firstPrompt: t.firstPrompt }),
    records: t.records,
    bytesRead: 0,
    diagnostics: []
  }
})

export const linkOf = (d: LinkFound): IndexedLink => ({ from: d.from, to: d.to, kind: d.kind, evidence: d.evidence })
