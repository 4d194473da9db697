/**
 * The persisted transcript index: one JSON file, versioned, written atomically (temp file +
 * rename), 0600. On load it is Schema-decoded: a corrupt, foreign or old-version index is
 * rebuilt, never trusted.
 */
import { randomUUID } from "node:crypto"
import { readFile, rename, rm, writeFile } from "node:fs/promises"
import { dirname } from "node:path"
import { ensureDirectory } from "@cc/events"
import { Exit, Schema } from "effect"

export const INDEX_VERSION = 2

export const IndexedTranscript = Schema.Struct({
  path: Schema.String,
  root: Schema.String,
  folder: Schema.String,
  claudeSessionId: Schema.String,
  size: Schema.Number,
  mtimeMs: Schema.Number,
  ino: Schema.Number,
  birthtimeMs: Schema.Number,
  /** End of the last complete line parsed: appended bytes are parsed from here. */
  parsedOffset: Schema.Number,
  /** Digest of the first complete line (up to 4 KiB): a rewrite in place changes it. */
  headDigest: Schema.String,
  cwd: Schema.optionalKey(Schema.String),
  firstTimestamp: Schema.optionalKey(Schema.String),
  lastTimestamp: Schema.optionalKey(Schema.String),
  promptHash: Schema.optionalKey(Schema.String),
  claudeVersion: Schema.optionalKey(Schema.String),
  gitBranch: Schema.optionalKey(Schema.String),
  rootUuid: Schema.optionalKey(Schema.String),
  summaryLeafUuids: Schema.Array(Schema.String),
  tailUuids: Schema.Array(Schema.String),
  sidechain: Schema.Boolean,
  /** The head was read to its end without finding every fact: re-read it when the file grows. */
  headIncomplete: Schema.Boolean
})
export type IndexedTranscript = typeof IndexedTranscript.Type

export const IndexedLink = Schema.Struct({
  from: Schema.String,
  to: Schema.String,
  kind: Schema.Literals(["resume", "fork", "continue", "compact"]),
  evidence: Schema.String
})
export type IndexedLink = typeof IndexedLink.Type

export const TranscriptIndexData = Schema.Struct({
  version: Schema.Literal(INDEX_VERSION),
  roots: Schema.Array(Schema.String),
  files: Schema.Record(Schema.String, IndexedTranscript),
  /** Links recovered per project folder (they depend on the folder's files only). */
  links: Schema.Record(Schema.String, Schema.Array(IndexedLink)),
  refreshedAt: Schema.String
})
export type TranscriptIndexData = typeof TranscriptIndexData.Type

const decodeIndex = Schema.decodeUnknownExit(TranscriptIndexData)

export const emptyIndex = (roots: ReadonlyArray<string>): TranscriptIndexData => ({
  version: INDEX_VERSION,
  roots: [...roots],
  files: {},
  links: {},
  refreshedAt: new Date(0).toISOString()
})

export type LoadedIndex =
  | { readonly _tag: "Loaded"; readonly index: TranscriptIndexData }
  | { readonly _tag: "Missing" }
  | { readonly _tag: "Rejected"; readonly reason: string }

/** Reads and decodes an index file. Anything but a valid current-version index is rejected. */
export const loadIndexFile = async (path: string, roots: ReadonlyArray<string>): Promise<LoadedIndex> => {
  let text: string
  try {
    text = await readFile(path, "utf8")
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return { _tag: "Missing" }
    return { _tag: "Rejected", reason: `unreadable: ${(error as Error).message}` }
  }
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    return { _tag: "Rejected", reason: "not valid JSON" }
  }
  const decoded = decodeIndex(value)
  if (Exit.isFailure(decoded)) {
    const version = typeof value === "object" && value !== null && "version" in value ? value.version : undefined
    return {
      _tag: "Rejected",
      reason:
        version !== INDEX_VERSION
          ? `version ${String(version)} is not ${INDEX_VERSION}`
          : "does not match the index schema"
    }
  }
  if (JSON.stringify([...decoded.value.roots].sort()) !== JSON.stringify([...roots].sort())) {
    return { _tag: "Rejected", reason: "built for other roots" }
  }
  return { _tag: "Loaded", index: decoded.value }
}

/** Writes the index atomically: a reader sees the old file or the new one, never half. */
export const saveIndexFile = async (path: string, index: TranscriptIndexData): Promise<void> => {
  const dir = dirname(path)
  ensureDirectory(dir)
  const temp = `${path}.${process.pid}.${randomUUID()}.tmp`
  try {
    await writeFile(temp, JSON.stringify(index), { mode: 0o600 })
    await rename(temp, path)
  } catch (error) {
    await rm(temp, { force: true })
    throw error
  }
}
