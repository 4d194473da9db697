/**
 * The file vault's manifest (`manifest.jsonl`): meta lines and chunk lines, append-only, read
 * back as each generation's chunks, every chunk checked to continue its generation. A line that
 * does not decode, or a chunk that does not continue the copy, makes the copy damaged; a torn
 * last line was never acknowledged.
 */
import { jsonDecoder } from "@cc/events"
import * as Schema from "effect/Schema"
import type { ChunkRef, TranscriptMeta } from "./vault.js"

const MetaLine = Schema.Struct({
  t: Schema.Literal("meta"),
  projectKey: Schema.String,
  cwd: Schema.optionalKey(Schema.String),
  host: Schema.String,
  via: Schema.optionalKey(Schema.Literal("session-store"))
})
const ChunkLine = Schema.Struct({
  t: Schema.Literal("chunk"),
  g: Schema.Number,
  o: Schema.Number,
  n: Schema.Number,
  h: Schema.String.pipe(Schema.check(Schema.isPattern(/^[0-9a-f]{64}$/))),
  at: Schema.Number
})
const decodeLine = jsonDecoder(Schema.Union([MetaLine, ChunkLine]), "not a vault manifest line")

export interface Manifest {
  readonly meta: TranscriptMeta | undefined
  readonly generations: Map<number, Array<ChunkRef>>
  readonly newest: number
  /** End of the last complete line: a torn line after it was never acknowledged. */
  readonly completeEnd: number
  readonly size: number
  readonly firstAt: number
  readonly updatedAt: number
  /** Why the manifest does not check out, if it does not. */
  readonly damaged?: string
}

export const lengthOf = (chunks: ReadonlyArray<ChunkRef> | undefined): number => {
  const last = chunks?.at(-1)
  return last === undefined ? 0 : last.offset + last.length
}

/** The manifest's lines folded, every chunk checked to continue its generation. */
export const readManifest = (text: string): Manifest => {
  const generations = new Map<number, Array<ChunkRef>>()
  let meta: TranscriptMeta | undefined
  let newest = -1
  let firstAt = Number.POSITIVE_INFINITY
  let updatedAt = 0
  let damaged: string | undefined
  const completeEnd = text.lastIndexOf("\n") + 1
  let lineNo = 0
  for (const line of text.slice(0, completeEnd).split("\n")) {
    lineNo++
    if (line === "" || damaged !== undefined) continue
    const decoded = decodeLine(line)
    if (decoded._tag === "Bad") {
      damaged = `manifest line ${lineNo} is ${decoded.reason}`
      continue
    }
    const value = decoded.value
    if (value.t === "meta") {
      meta = {
        projectKey: value.projectKey,
        ...(value.cwd === undefined ? {} : { cwd: value.cwd }),
        host: value.host,
        ...(value.via === undefined ? {} : { via: value.via })
      }
      continue
    }
    const chunks = generations.get(value.g) ?? []
    const continues =
      Number.isSafeInteger(value.g) &&
      Number.isSafeInteger(value.n) &&
      value.n > 0 &&
      value.o === lengthOf(chunks) &&
      (value.g === newest || value.g === newest + 1)
    if (!continues) {
      damaged = `manifest line ${lineNo}: a chunk at ${value.o} of generation ${value.g} does not continue the copy`
      continue
    }
    chunks.push({ offset: value.o, length: value.n, sha256: value.h, at: value.at })
    generations.set(value.g, chunks)
    newest = value.g
    firstAt = Math.min(firstAt, value.at)
    updatedAt = Math.max(updatedAt, value.at)
  }
  if (damaged === undefined && newest >= 0 && meta === undefined) damaged = "the manifest names no project folder"
  return {
    meta,
    generations,
    newest,
    completeEnd: Buffer.byteLength(text.slice(0, completeEnd)),
    size: Buffer.byteLength(text),
    firstAt,
    updatedAt,
    ...(damaged === undefined ? {} : { damaged })
  }
}

export const sameMeta = (a: TranscriptMeta | undefined, b: TranscriptMeta): boolean =>
  a !== undefined && a.projectKey === b.projectKey && a.cwd === b.cwd && a.host === b.host && a.via === b.via
