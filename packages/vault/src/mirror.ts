/**
 * A transcript mirrored into a vault: only the bytes the copy lacks are pushed, and only whole
 * lines (a line still being written waits for the next mirror). The copy continues the file
 * when the file still holds the copy's last chunk, byte for byte; a file that does not (it was
 * replaced) starts the next generation. A file shorter than the copy is left alone: the vault
 * holding more than the file is what it is for.
 */
import { closeSync, fstatSync, openSync } from "node:fs"
import { errnoCode, readRangeSync } from "@cc/events"
import * as Effect from "effect/Effect"
import { sha256Hex } from "./digest.js"
import { VaultDamaged, type VaultError, VaultIOError, vaultIOErrorOf } from "./errors.js"
import { keyName, type TranscriptKey } from "./key.js"
import { MAX_CHUNK_BYTES, type TranscriptMeta, type VaultedTranscript, type VaultShape } from "./vault.js"

export type MirrorOutcome =
  | { readonly _tag: "Unchanged"; readonly copy: VaultedTranscript | undefined }
  | {
      readonly _tag: "Pushed"
      readonly copy: VaultedTranscript
      readonly bytes: number
      readonly chunks: number
      /** The file no longer continued the copy: it was kept as a new generation. */
      readonly newGeneration: boolean
    }
  /** The file is not there (the copy, if any, is all there is). */
  | { readonly _tag: "Missing"; readonly copy: VaultedTranscript | undefined }
  /** The vault holds more than the file's whole lines: nothing pushed. */
  | { readonly _tag: "VaultAhead"; readonly copy: VaultedTranscript; readonly fileLength: number }

export interface MirrorTarget {
  readonly key: TranscriptKey
  readonly meta: TranscriptMeta
  /** The transcript file to copy from. */
  readonly path: string
}

/** The end of the last whole line at or before `size`. */
const wholeLinesEnd = (fd: number, size: number): number => {
  const window = 64 * 1024
  for (let end = size; end > 0; ) {
    const start = Math.max(0, end - window)
    const newline = readRangeSync(fd, start, end - start).lastIndexOf(0x0a)
    if (newline !== -1) return start + newline + 1
    end = start
  }
  return 0
}

const readError = (cause: unknown, path: string) =>
  vaultIOErrorOf(cause, { location: path, operation: "read", subject: `the transcript ${path}` })

type Plan =
  | { readonly _tag: "Done"; readonly outcome: MirrorOutcome }
  | { readonly _tag: "Push"; readonly generation: number; readonly from: number; readonly to: number }

const planOf = (fd: number, copy: VaultedTranscript | undefined): { plan: Plan; end: number } => {
  const stat = fstatSync(fd)
  // the same size, not written since the copy was: unchanged, without reading it (a file
  // replaced by one of the same size has a newer mtime)
  if (copy !== undefined && stat.size === copy.length && stat.mtimeMs <= copy.updatedAt)
    return { end: stat.size, plan: { _tag: "Done", outcome: { _tag: "Unchanged", copy } } }
  const end = wholeLinesEnd(fd, stat.size)
  if (copy === undefined || copy.length === 0)
    return {
      end,
      plan:
        end === 0
          ? { _tag: "Done", outcome: { _tag: "Unchanged", copy } }
          : { _tag: "Push", generation: 0, from: 0, to: end }
    }
  if (end < copy.length) return { end, plan: { _tag: "Done", outcome: { _tag: "VaultAhead", copy, fileLength: end } } }
  const last = copy.chunks.at(-1)
  const continues = last !== undefined && sha256Hex(readRangeSync(fd, last.offset, last.length)) === last.sha256
  if (!continues) return { end, plan: { _tag: "Push", generation: copy.generation + 1, from: 0, to: end } }
  if (end === copy.length) return { end, plan: { _tag: "Done", outcome: { _tag: "Unchanged", copy } } }
  return { end, plan: { _tag: "Push", generation: copy.generation, from: copy.length, to: end } }
}

const once = (vault: VaultShape, target: MirrorTarget) =>
  Effect.gen(function* () {
    const copy = yield* vault.describe(target.key)
    if (copy?.damaged !== undefined)
      return yield* Effect.fail(
        new VaultDamaged({
          sessionId: target.key.sessionId,
          subpath: target.key.subpath,
          message: `the vault's copy of ${keyName(target.key)} is damaged (${copy.damaged}): not pushed to`
        })
      )
    // the SDK's SessionStore keeps this one from the entries it is handed: a mirror of the
    // file would not agree with it byte for byte
    if (copy?.meta.via === "session-store") return { _tag: "Unchanged", copy } satisfies MirrorOutcome
    const opened = yield* Effect.try({
      try: () => {
        try {
          return openSync(target.path, "r")
        } catch (error) {
          if (errnoCode(error) === "ENOENT" || errnoCode(error) === "ENOTDIR") return undefined
          throw error
        }
      },
      catch: (cause) => readError(cause, target.path)
    })
    if (opened === undefined) return { _tag: "Missing", copy } satisfies MirrorOutcome
    const fd = opened
    return yield* Effect.ensuring(
      Effect.gen(function* () {
        const { plan } = yield* Effect.try({
          try: () => planOf(fd, copy),
          catch: (cause) => readError(cause, target.path)
        })
        if (plan._tag === "Done") return plan.outcome
        let pushed: VaultedTranscript | undefined
        let chunks = 0
        for (let at = plan.from; at < plan.to; at += MAX_CHUNK_BYTES) {
          const length = Math.min(MAX_CHUNK_BYTES, plan.to - at)
          const bytes = yield* Effect.try({
            try: () => readRangeSync(fd, at, length),
            catch: (cause) => readError(cause, target.path)
          })
          // the file was cut while we read it: what was pushed stands, the rest waits
          if (bytes.length < length) break
          pushed = yield* vault.push(target.key, target.meta, { generation: plan.generation, offset: at, bytes })
          chunks++
        }
        if (pushed === undefined) return { _tag: "Unchanged", copy } satisfies MirrorOutcome
        return {
          _tag: "Pushed",
          copy: pushed,
          bytes: pushed.length - (plan.generation === copy?.generation ? copy.length : 0),
          chunks,
          newGeneration: copy !== undefined && plan.generation !== copy.generation
        } satisfies MirrorOutcome
      }),
      Effect.sync(() => closeSync(fd))
    )
  })

/**
 * Brings the vault's copy of one transcript up to the file. Another writer pushing the same
 * transcript at once makes a push conflict: the copy is looked at again and only what is still
 * missing pushed (three tries).
 */
export const mirrorTranscript = (vault: VaultShape, target: MirrorTarget): Effect.Effect<MirrorOutcome, VaultError> =>
  once(vault, target).pipe(
    Effect.catchTag("VaultConflict", () => once(vault, target)),
    Effect.catchTag("VaultConflict", () => once(vault, target)),
    Effect.catchTag("VaultConflict", (conflict) =>
      Effect.fail(
        new VaultIOError({
          location: vault.location,
          operation: "push to",
          message: `${conflict.message}: three tries, another writer kept pushing`
        })
      )
    )
  )
