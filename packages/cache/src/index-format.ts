/**
 * The index file's format, as Schemas: its header, the stamps line (every folder's file names,
 * sizes, mtimes and inodes, in columns), and one details line per folder; each line kept with a
 * digest, so damage is found, never trusted.
 */
import { createHash } from "node:crypto"
import { ClaudeSessionId } from "@cc/events"
import { SessionRecords } from "@cc/sources"
import * as Schema from "effect/Schema"
import * as SchemaTransformation from "effect/SchemaTransformation"

export const INDEX_VERSION = 6

export const IndexedTranscript = Schema.Struct({
  path: Schema.String,
  root: Schema.String,
  folder: Schema.String,
  claudeSessionId: ClaudeSessionId,
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
  /** The first prompt's first 200 characters: local to this machine's index (0600), never in an event. */
  firstPrompt: Schema.optionalKey(Schema.String),
  /** Title, tag, hand-off, move, pull request, entrypoint, explicit fork (`@cc/sources`' records). */
  records: SessionRecords,
  /** `<id>/archived.json` as the SDK's archiveSession writes it, and that file's mtime (its stamp). */
  archive: Schema.optionalKey(Schema.Struct({ archived: Schema.Boolean, atMs: Schema.Number, mtimeMs: Schema.Number })),
  /** How many subagent transcripts `<id>/subagents/` holds, and that folder's mtime (its stamp). */
  subagents: Schema.optionalKey(Schema.Struct({ count: Schema.Int, mtimeMs: Schema.Number })),
  /** The head was read to its end without finding every fact: re-read it when the file grows. */
  headIncomplete: Schema.Boolean
})
export type IndexedTranscript = typeof IndexedTranscript.Type

export const IndexedLink = Schema.Struct({
  from: ClaudeSessionId,
  to: ClaudeSessionId,
  kind: Schema.Literals(["resume", "fork", "continue", "compact"]),
  evidence: Schema.String
})
export type IndexedLink = typeof IndexedLink.Type

/**
 * The stamps of a folder's files, in columns: session id (the file name), size, mtime,
 * inode: what a refresh compares with a `stat`.
 */
export interface FolderStamps {
  readonly ids: ReadonlyArray<string>
  readonly sizes: ArrayLike<number>
  readonly mtimes: ArrayLike<number>
  readonly inodes: ArrayLike<number>
  /** The mtime of each session's `<id>/archived.json` (the SDK's archive mark), 0 for none. */
  readonly archives: ArrayLike<number>
  /** The mtime of each session's `<id>/subagents/` folder, 0 for none. */
  readonly subagents: ArrayLike<number>
}

export const UUID_LENGTH = 36

/**
 * Stamps as stored: the ids end to end, and sizes, mtimes and inodes as one base64 run of
 * 64-bit floats (exact for all three). Ten thousand of them decode in a few milliseconds,
 * where a JSON array per column costs a schema check per number.
 */
export const Float64s = Schema.declare((u: unknown): u is Float64Array => u instanceof Float64Array, {
  identifier: "Float64Array"
})

export const Float64sFromBase64 = Schema.String.check(Schema.isPattern(/^[A-Za-z0-9+/]*={0,2}$/)).pipe(
  Schema.decodeTo(
    Float64s,
    SchemaTransformation.transform({
      decode: (text: string): Float64Array => {
        const bytes = Buffer.from(text, "base64")
        // whole numbers only; a count that disagrees with the ids rejects the index later
        const numbers = new Float64Array(Math.floor(bytes.length / 8))
        // copied out: a Buffer's bytes need not be aligned for a Float64Array view
        new Uint8Array(numbers.buffer).set(bytes.subarray(0, numbers.byteLength))
        return numbers
      },
      encode: (numbers: Float64Array): string =>
        Buffer.from(numbers.buffer, numbers.byteOffset, numbers.byteLength).toString("base64")
    })
  )
)

/**
 * The stamps line: every folder's path, root, file count and the byte length of its own line,
 * then every file's id (end to end, in folder order) and numbers (all sizes, then all mtimes,
 * then all inodes, then all archive-mark mtimes).
 */
export const StoredStamps = Schema.Struct({
  folders: Schema.Array(Schema.String),
  roots: Schema.Array(Schema.String),
  counts: Schema.Array(Schema.Int),
  detailBytes: Schema.Array(Schema.Int),
  /** Each folder line's digest: a line damaged after it was written is read again, never trusted. */
  detailDigests: Schema.Array(Schema.String),
  // nothing but hex digits and dashes, so no id can name another path
  ids: Schema.String.check(Schema.isPattern(/^[0-9a-f-]*$/)),
  numbers: Float64sFromBase64
})
export type StoredStamps = typeof StoredStamps.Type

/** A transcript on disk, less what its stamp and its folder already say. */
export const StoredDetails = IndexedTranscript.mapFields(
  ({ path, root, folder, claudeSessionId, size, mtimeMs, ino, ...rest }) => rest
)
export type StoredDetails = typeof StoredDetails.Type

/** A folder's own line: its links and the details of its files, in stamp order. */
export const StoredFolderDetails = Schema.Struct({
  links: Schema.Array(IndexedLink),
  files: Schema.Array(StoredDetails)
})

export const IndexHeader = Schema.Struct({
  version: Schema.Literal(INDEX_VERSION),
  roots: Schema.Array(Schema.String),
  folders: Schema.Int,
  refreshedAt: Schema.String,
  /** Length of the stamps line: opening the index reads no further. */
  stampsBytes: Schema.Int,
  /** Its digest: a damaged stamps line rejects the index. */
  stampsDigest: Schema.String
})

export const decodeHeader = Schema.decodeUnknownExit(IndexHeader)
export const decodeStamps = Schema.decodeUnknownExit(StoredStamps)
export const encodeStamps = Schema.encodeSync(StoredStamps)
export const decodeDetails = Schema.decodeUnknownExit(StoredFolderDetails)

/** The digest the file keeps of each of its lines (a cut or a flipped byte changes it). */
export const digestOf = (bytes: Uint8Array): string => createHash("sha256").update(bytes).digest("hex").slice(0, 32)
