/**
 * A transcript put back from the vault, byte for byte, or not at all: every chunk is checked
 * against its digest and the chunks must cover the copy without a gap, into a temp file beside
 * the target; only a copy that checks out whole is linked into place, and never over a file
 * that is there (a link fails where a rename would clobber). A transcript that is there
 * already is left alone: the same bytes, or more of them, is "present"; anything else refused.
 */
import { randomBytes } from "node:crypto"
import { closeSync, constants, linkSync, openSync, readSync, renameSync, rmSync, statSync, write } from "node:fs"
import { dirname } from "node:path"
import { ensureDirectory, errnoCode, runAsPromise } from "@cc/events"
import * as Effect from "effect/Effect"
import type * as Result from "effect/Result"
import { sha256Hex } from "./digest.js"
import { isVaultError, RestoreRefused, VaultDamaged, type VaultError, VaultNotFound, vaultIOErrorOf } from "./errors.js"
import { hashers } from "./hashers.js"
import { keyName, type TranscriptKey } from "./key.js"
import type { ChunkRef, VaultedTranscript, VaultShape } from "./vault.js"

export type RestoreOutcome =
  | { readonly _tag: "Restored"; readonly path: string; readonly bytes: number; readonly copy: VaultedTranscript }
  /** The file is there with the copy's bytes (or more: it goes on from them). */
  | { readonly _tag: "Present"; readonly path: string; readonly copy: VaultedTranscript }
  /** The file was there with the start of the copy only (another host went on with it): brought up to the copy. */
  | { readonly _tag: "CaughtUp"; readonly path: string; readonly bytes: number; readonly copy: VaultedTranscript }

const damaged = (key: TranscriptKey, why: string) =>
  new VaultDamaged({
    sessionId: key.sessionId,
    subpath: key.subpath,
    message: `the vault's copy of ${keyName(key)} ${why}: not restored`
  })

/** The copy, or why it cannot be restored from: missing, damaged, or chunks that leave a gap. */
export const restorableCopy = (
  vault: VaultShape,
  key: TranscriptKey
): Effect.Effect<VaultedTranscript, VaultError | VaultNotFound> =>
  Effect.flatMap(vault.describe(key), (copy): Effect.Effect<VaultedTranscript, VaultError | VaultNotFound> => {
    if (copy === undefined)
      return Effect.fail(
        new VaultNotFound({
          sessionId: key.sessionId,
          subpath: key.subpath,
          message: `the vault holds no copy of ${keyName(key)}`
        })
      )
    if (copy.damaged !== undefined) return Effect.fail(damaged(key, `is damaged (${copy.damaged})`))
    let end = 0
    for (const chunk of copy.chunks) {
      if (chunk.offset !== end) return Effect.fail(damaged(key, `has a gap at ${end}`))
      end += chunk.length
    }
    return end === copy.length ? Effect.succeed(copy) : Effect.fail(damaged(key, `ends at ${end}, not ${copy.length}`))
  })

/** How many chunks are read and checked ahead of the one being handed over. */
const CHECKED_AHEAD = 3
/** How many handed-over chunks the sink may still be working on (writing) at once. */
const HANDED_AT_ONCE = 3

/**
 * Every chunk of a copy, checked against its digest, handed to `sink` in order (with where it
 * starts). The bytes handed over are the sink's only until it returns, or until the promise it
 * returns settles: a few buffers are read into again and again (fresh ones for every chunk
 * made a restore pay the kernel's zeroing of each page and the collector's work), shared
 * with the hasher threads that check them. The next chunks are read and checked while this
 * one is handed over, and what the sink does (a write) goes on meanwhile.
 */
export const readVerified = (
  vault: VaultShape,
  copy: VaultedTranscript,
  sink: (bytes: Uint8Array, offset: number) => void | Promise<void>
): Effect.Effect<void, VaultError> =>
  Effect.tryPromise({
    try: async () => {
      const largest = copy.chunks.reduce((n, c) => Math.max(n, c.length), 0)
      const free: Array<Uint8Array> = []
      const checked = (i: number): Promise<{ bytes: Uint8Array; into: Uint8Array; good: boolean }> | undefined => {
        const chunk = copy.chunks[i]
        if (chunk === undefined) return undefined
        const into = free.pop() ?? new Uint8Array(new SharedArrayBuffer(largest))
        const checking = runAsPromise(vault.readChunk(copy.key, copy.generation, chunk, into)).then(async (bytes) => ({
          bytes,
          into,
          good: bytes.length === chunk.length && (await hashers.sha256Hex(bytes)) === chunk.sha256
        }))
        // a chunk ahead that is never waited for (an earlier one did not check out) fails quietly
        checking.catch(() => {})
        return checking
      }
      const handing: Array<Promise<void>> = []
      const ahead = Array.from({ length: CHECKED_AHEAD }, (_, i) => checked(i))
      try {
        for (let i = 0; ; i++) {
          const next = ahead.shift()
          if (next === undefined) break
          const { bytes, into, good } = await next
          const chunk = copy.chunks[i] as ChunkRef
          if (!good) throw damaged(copy.key, `has a chunk at ${chunk.offset} whose bytes do not match its digest`)
          ahead.push(checked(i + CHECKED_AHEAD))
          const handed = sink(bytes, chunk.offset)
          if (handed === undefined) free.push(into)
          else {
            handing.push(handed.then(() => void free.push(into)))
            if (handing.length >= HANDED_AT_ONCE) await handing.shift()
          }
        }
        await Promise.all(handing)
      } finally {
        // nothing the sink started may outlive this (a write into a file closed after, whose
        // descriptor another open may have taken): all of it settles first, failed or not
        await Promise.allSettled(handing)
      }
    },
    catch: (cause) =>
      isVaultError(cause) && (cause._tag === "VaultDamaged" || cause._tag === "VaultIOError")
        ? cause
        : ioError(cause, vault.location, "read")
  })

/** Writes all of `bytes` at `position`, off the main thread (the next chunks are read and checked meanwhile). */
const writeAt = async (fd: number, bytes: Uint8Array, position: number): Promise<void> => {
  for (let at = 0; at < bytes.length; ) {
    at += await new Promise<number>((done, fail) =>
      write(fd, bytes, at, bytes.length - at, position + at, (error, written) => (error ? fail(error) : done(written)))
    )
  }
}

/** Whether the file at `path` starts with exactly the bytes of `temp` (of `length` bytes). */
const startsWith = (path: string, temp: string, length: number): boolean => {
  if (statSync(path).size < length) return false
  const a = openSync(path, "r")
  const b = openSync(temp, "r")
  try {
    const x = Buffer.allocUnsafe(1 << 20)
    const y = Buffer.allocUnsafe(1 << 20)
    for (let at = 0; at < length; ) {
      const want = Math.min(x.length, length - at)
      const n = readSync(a, x, 0, want, at)
      const m = readSync(b, y, 0, want, at)
      if (n !== want || m !== want || !x.subarray(0, n).equals(y.subarray(0, m))) return false
      at += n
    }
    return true
  } finally {
    closeSync(a)
    closeSync(b)
  }
}

const ioError = (cause: unknown, path: string, operation: string) =>
  vaultIOErrorOf(cause, { location: path, operation })

/** Whether the file holds the copy's last chunk where the copy has it (so, as Claude only appends, the whole copy). */
const holdsCopy = (path: string, copy: VaultedTranscript): boolean => {
  const last = copy.chunks.at(-1)
  if (last === undefined) return true
  let fd: number
  try {
    if (statSync(path).size < copy.length) return false
    fd = openSync(path, "r")
  } catch (error) {
    if (errnoCode(error) === "ENOENT") return false
    throw error
  }
  try {
    const bytes = Buffer.allocUnsafe(last.length)
    return readSync(fd, bytes, 0, last.length, last.offset) === last.length && sha256Hex(bytes) === last.sha256
  } finally {
    closeSync(fd)
  }
}

export interface RestoreOptions {
  /**
   * A file there that holds only the start of the copy (another host went on with the
   * conversation) is brought up to the copy, atomically. Only for a caller that holds the
   * transcript's claim: nobody else may be writing it.
   */
  readonly catchUp?: boolean
}

/**
 * Restores one transcript to `target` (its folder made 0700 if missing). A file there that
 * holds the copy already is left as it is without reading the copy.
 */
export const restoreTranscript = (
  vault: VaultShape,
  key: TranscriptKey,
  target: string,
  options: RestoreOptions = {}
): Effect.Effect<RestoreOutcome, VaultError | VaultNotFound | RestoreRefused> =>
  Effect.gen(function* () {
    const copy = yield* restorableCopy(vault, key)
    const present = yield* Effect.try({
      try: () => holdsCopy(target, copy),
      catch: (cause) => ioError(cause, target, "read")
    })
    if (present) return { _tag: "Present", path: target, copy } satisfies RestoreOutcome
    const temp = `${target}.${process.pid}.${randomBytes(4).toString("hex")}.restore`
    const fd = yield* Effect.try({
      try: () => {
        ensureDirectory(dirname(target))
        return openSync(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600)
      },
      catch: (cause) => ioError(cause, target, "restore")
    })
    const removeTemp = Effect.sync(() => rmSync(temp, { force: true }))
    return yield* Effect.ensuring(
      Effect.gen(function* () {
        // not synced: the vault holds the durable copy. A power cut can leave a restored file
        // short (a prefix of the copy), which the next resume catches up and a mirror never
        // takes for the conversation (the vault holding more is left as it is)
        yield* Effect.ensuring(
          readVerified(vault, copy, (bytes, offset) => writeAt(fd, bytes, offset)),
          Effect.sync(() => closeSync(fd))
        )
        return yield* Effect.try({
          try: (): RestoreOutcome | RestoreRefused => {
            for (;;) {
              try {
                linkSync(temp, target)
                return { _tag: "Restored", path: target, bytes: copy.length, copy }
              } catch (error) {
                if (errnoCode(error) !== "EEXIST") throw error
              }
              try {
                if (startsWith(target, temp, copy.length)) return { _tag: "Present", path: target, copy }
                const size = statSync(target).size
                if (options.catchUp === true && size < copy.length && startsWith(temp, target, size)) {
                  renameSync(temp, target)
                  return { _tag: "CaughtUp", path: target, bytes: copy.length - size, copy }
                }
                return new RestoreRefused({
                  path: target,
                  message: `${target} is there and does not hold the vault's copy of ${keyName(key)} (${copy.length} bytes): not overwritten`
                })
              } catch (error) {
                // gone between the link and the look: link again
                if (errnoCode(error) !== "ENOENT") throw error
              }
            }
          },
          catch: (cause) => ioError(cause, target, "restore")
        })
      }),
      removeTemp
    ).pipe(
      Effect.flatMap((result) => (result._tag === "RestoreRefused" ? Effect.fail(result) : Effect.succeed(result)))
    )
  })

/** One transcript to put back: what `restoreTranscript` takes. */
export interface RestoreRequest {
  readonly key: TranscriptKey
  readonly target: string
  readonly options?: RestoreOptions
}

/**
 * How many of a chain's transcripts are restored at once: each reads ahead through its own
 * file (the kernel reads ahead per file), so a chain goes back in about the time `cp` takes,
 * where one after another took 1.5 to 2 times that.
 */
const RESTORED_AT_ONCE = 3

/**
 * Several transcripts (a chain and its subagents) restored at once, a few at a time: each
 * one's outcome or why it failed, in the order asked. One that fails stops none of the
 * others midway (an interrupted restore would leave its writes to a closed descriptor): every
 * one runs to its end.
 */
export const restoreTranscripts = (
  vault: VaultShape,
  requests: ReadonlyArray<RestoreRequest>
): Effect.Effect<Array<Result.Result<RestoreOutcome, VaultError | VaultNotFound | RestoreRefused>>> =>
  Effect.forEach(requests, (r) => Effect.result(restoreTranscript(vault, r.key, r.target, r.options)), {
    concurrency: RESTORED_AT_ONCE
  })

/** What `verifyVault` found of one copy. */
export interface CopyCheck {
  readonly key: TranscriptKey
  readonly bytes: number
  readonly chunks: number
  /** Why it does not check out, if it does not. */
  readonly problem?: string
}

/** Reads every chunk of every copy (or one session's) and checks it against its digest. */
export const verifyVault = (
  vault: VaultShape,
  options: { readonly sessionId?: string } = {}
): Effect.Effect<ReadonlyArray<CopyCheck>, VaultError> =>
  Effect.flatMap(vault.list(options), (copies) =>
    Effect.forEach(copies, (listed) =>
      restorableCopy(vault, listed.key).pipe(
        Effect.flatMap((copy) => readVerified(vault, copy, () => {})),
        Effect.as<CopyCheck>({ key: listed.key, bytes: listed.length, chunks: listed.chunks.length }),
        Effect.catchTags({
          VaultDamaged: (e) =>
            Effect.succeed<CopyCheck>({
              key: listed.key,
              bytes: listed.length,
              chunks: listed.chunks.length,
              problem: e.message
            }),
          VaultNotFound: (e) => Effect.succeed<CopyCheck>({ key: listed.key, bytes: 0, chunks: 0, problem: e.message })
        })
      )
    )
  )
