/**
 * The file vault, in the store (`<store>/vault/`): folders 0700, files 0600.
 *
 *   <sessionId>/transcript/            the session's own transcript
 *   <sessionId>/sub.<subpath, / as +>/ a file of the session's folder (a subagent's)
 *     manifest.jsonl                   what is kept: meta lines and chunk lines, append-only
 *     g<generation>.data               the generation's bytes, chunk after chunk
 *     push.lock.queue/                 the push lock (one writer at a time)
 *
 * A push, under the lock: the data bytes are written where the manifest says the copy ends
 * (anything past that, left by a push that died before its manifest line, is cut off first)
 * and synced, then the chunk's manifest line is appended and synced. The manifest line is
 * the acknowledgement: a chunk without one was never acknowledged and is overwritten by the
 * next push, and a torn last line is cut back, so no chunk is lost or kept twice.
 */
import {
  closeSync,
  constants,
  fdatasyncSync,
  fstatSync,
  ftruncateSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeSync
} from "node:fs"
import { type FileHandle, open } from "node:fs/promises"
import { join } from "node:path"
import { acquireLock, ensureDirectory, errnoCode, jsonDecoder, writeFileAtomicSync } from "@cc/events"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import { sha256Hex } from "./digest.js"
import { VaultConflict, VaultDamaged, type VaultError, VaultIOError, vaultIOErrorOf } from "./errors.js"
import { lengthOf, type Manifest, readManifest, sameMeta } from "./file-vault-manifest.js"
import { byKey, keyName, type TranscriptKey, transcriptKeyOf } from "./key.js"
import { pushVerdict } from "./push-rule.js"
import {
  type ChunkRef,
  type ClaimHolder,
  type ClaimOutcome,
  type CopySummary,
  claimVerdict,
  type Push,
  type TranscriptMeta,
  type VaultedTranscript,
  type VaultShape
} from "./vault.js"

const MANIFEST = "manifest.jsonl"
const OWN_TRANSCRIPT = "transcript"
const SUB_PREFIX = "sub."

const ClaimFile = Schema.Struct({
  by: Schema.Struct({ id: Schema.String, host: Schema.String, what: Schema.String }),
  until: Schema.Number
})
const decodeClaim = jsonDecoder(ClaimFile, "not a claim")
const CLAIM = "claim.json"
const SummaryFile = Schema.Struct({ mtime: Schema.Number, data: Schema.Record(Schema.String, Schema.Unknown) })
const decodeSummary = jsonDecoder(SummaryFile, "not a summary")
const SUMMARY = "summary.json"

const partName = (key: TranscriptKey): string =>
  key.subpath === "" ? OWN_TRANSCRIPT : `${SUB_PREFIX}${key.subpath.replaceAll("/", "+")}`

const keyOfPart = (sessionId: string, part: string): TranscriptKey | undefined => {
  if (part === OWN_TRANSCRIPT) return transcriptKeyOf(sessionId)
  if (!part.startsWith(SUB_PREFIX)) return undefined
  return transcriptKeyOf(sessionId, part.slice(SUB_PREFIX.length).replaceAll("+", "/"))
}

const writeAll = (fd: number, bytes: Uint8Array, position: number): void => {
  for (let at = 0; at < bytes.length; ) at += writeSync(fd, bytes, at, bytes.length - at, position + at)
}

export interface FileVaultOptions {
  /** The vault's folder (made 0700 on the first push). */
  readonly dir: string
  readonly now?: () => number
  /** How long a push waits for another writer of the same transcript (default 60 s). */
  readonly lockTimeoutMs?: number
}

export const makeFileVault = (options: FileVaultOptions): VaultShape => {
  const { dir } = options
  const now = options.now ?? Date.now
  const partDir = (key: TranscriptKey) => join(dir, key.sessionId, partName(key))

  const ioError = (cause: unknown, location: string, operation: string): VaultIOError =>
    vaultIOErrorOf(cause, { location, operation })
  const damagedError = (key: TranscriptKey, why: string) =>
    new VaultDamaged({
      sessionId: key.sessionId,
      subpath: key.subpath,
      message: `the vault's copy of ${keyName(key)} is damaged: ${why}`
    })

  const manifestOf = (key: TranscriptKey): Manifest | undefined => {
    let text: string
    try {
      text = readFileSync(join(partDir(key), MANIFEST), "utf8")
    } catch (error) {
      if (errnoCode(error) === "ENOENT" || errnoCode(error) === "ENOTDIR") return undefined
      throw error
    }
    return readManifest(text)
  }

  const describedOf = (key: TranscriptKey, manifest: Manifest): VaultedTranscript | undefined => {
    if (manifest.newest < 0 && manifest.damaged === undefined) return undefined
    const chunks = manifest.generations.get(manifest.newest) ?? []
    return {
      key,
      meta: manifest.meta ?? { projectKey: "", host: "" },
      generation: Math.max(0, manifest.newest),
      length: lengthOf(chunks),
      chunks,
      firstAt: Number.isFinite(manifest.firstAt) ? manifest.firstAt : 0,
      updatedAt: manifest.updatedAt,
      ...(manifest.damaged === undefined ? {} : { damaged: manifest.damaged })
    }
  }

  const describe = (key: TranscriptKey): Effect.Effect<VaultedTranscript | undefined, VaultError> =>
    Effect.try({
      try: () => {
        const manifest = manifestOf(key)
        return manifest === undefined ? undefined : describedOf(key, manifest)
      },
      catch: (cause) => ioError(cause, partDir(key), "read the vault's manifest in")
    })

  /** The push itself, under the lock. */
  const pushLocked = (key: TranscriptKey, meta: TranscriptMeta, push: Push): VaultedTranscript | VaultConflict => {
    const part = partDir(key)
    const created = ensureDirectory(part) !== undefined
    const manifest = manifestOf(key) ?? readManifest("")
    if (manifest.damaged !== undefined) throw damagedError(key, manifest.damaged)
    const current =
      manifest.newest < 0
        ? undefined
        : { generation: manifest.newest, length: lengthOf(manifest.generations.get(manifest.newest)) }
    const verdict = pushVerdict(key, current, push)
    if (verdict._tag === "Refused") return verdict.conflict
    const at = now()
    const data = openSync(join(part, `g${push.generation}.data`), constants.O_RDWR | constants.O_CREAT, 0o600)
    try {
      const kept = fstatSync(data).size
      if (kept < push.offset) throw damagedError(key, `its data holds ${kept} bytes, its manifest ${push.offset}`)
      // bytes past the acknowledged end were left by a push that died before its manifest line
      if (kept > push.offset) ftruncateSync(data, push.offset)
      writeAll(data, push.bytes, push.offset)
      fdatasyncSync(data)
    } finally {
      closeSync(data)
    }
    const lines =
      (sameMeta(manifest.meta, meta) ? "" : `${JSON.stringify({ t: "meta", ...meta })}\n`) +
      `${JSON.stringify({ t: "chunk", g: push.generation, o: push.offset, n: push.bytes.length, h: sha256Hex(push.bytes), at })}\n`
    const manifestFd = openSync(join(part, MANIFEST), constants.O_RDWR | constants.O_CREAT, 0o600)
    try {
      // a torn last line was never acknowledged: cut back to the last whole one
      if (manifest.size !== manifest.completeEnd) ftruncateSync(manifestFd, manifest.completeEnd)
      writeAll(manifestFd, Buffer.from(lines), manifest.completeEnd)
      fdatasyncSync(manifestFd)
    } finally {
      closeSync(manifestFd)
    }
    if (created) for (const folder of [part, join(dir, key.sessionId), dir]) syncDirectory(folder)
    const after = manifestOf(key)
    const described = after === undefined ? undefined : describedOf(key, after)
    if (described === undefined || after?.damaged !== undefined)
      throw damagedError(key, after?.damaged ?? "the push was not read back")
    return described
  }

  /** Runs `f` holding the transcript's push lock (made with its folder if need be). */
  const locked = async <A>(key: TranscriptKey, f: () => A): Promise<A> => {
    ensureDirectory(partDir(key))
    const lock = await acquireLock(join(partDir(key), "push.lock"), { timeoutMs: options.lockTimeoutMs ?? 60_000 })
    if (lock._tag === "TimedOut")
      throw new VaultIOError({
        location: partDir(key),
        operation: "push to",
        message: `another writer (${lock.holder ?? "unknown"}) held the vault's copy of ${keyName(key)} for ${Math.round(lock.waitedMs / 1000)} s`
      })
    try {
      return f()
    } finally {
      lock.release()
    }
  }

  const claimOf = (key: TranscriptKey): { by: ClaimHolder; until: number } | undefined => {
    try {
      const decoded = decodeClaim(readFileSync(join(partDir(key), CLAIM), "utf8"))
      // a claim that does not decode holds nothing: a torn write is the only way to make one
      return decoded._tag === "Ok" ? decoded.value : undefined
    } catch (error) {
      if (errnoCode(error) === "ENOENT" || errnoCode(error) === "ENOTDIR") return undefined
      throw error
    }
  }

  const claim = (key: TranscriptKey, holder: ClaimHolder, ttlMs: number): Effect.Effect<ClaimOutcome, VaultError> =>
    Effect.tryPromise({
      try: () =>
        locked(key, () => {
          const outcome = claimVerdict(claimOf(key), holder, now(), ttlMs)
          if (outcome._tag === "Granted")
            writeFileAtomicSync(join(partDir(key), CLAIM), JSON.stringify({ by: holder, until: outcome.until }))
          return outcome
        }),
      catch: (cause) => (cause instanceof VaultIOError ? cause : ioError(cause, partDir(key), "claim"))
    })

  const release = (key: TranscriptKey, holderId: string): Effect.Effect<void, VaultError> =>
    Effect.tryPromise({
      try: async () => {
        if (claimOf(key)?.by.id !== holderId) return
        await locked(key, () => {
          if (claimOf(key)?.by.id === holderId) rmSync(join(partDir(key), CLAIM), { force: true })
        })
      },
      catch: (cause) => (cause instanceof VaultIOError ? cause : ioError(cause, partDir(key), "release the claim on"))
    })

  const summaryIn = (key: TranscriptKey): CopySummary | undefined => {
    try {
      const decoded = decodeSummary(readFileSync(join(partDir(key), SUMMARY), "utf8"))
      return decoded._tag === "Ok" ? decoded.value : undefined
    } catch (error) {
      if (errnoCode(error) === "ENOENT" || errnoCode(error) === "ENOTDIR") return undefined
      throw error
    }
  }

  const putSummary = (
    key: TranscriptKey,
    expected: number | undefined,
    summary: CopySummary
  ): Effect.Effect<boolean, VaultError> =>
    Effect.tryPromise({
      try: async () => {
        if (manifestOf(key) === undefined) return false
        return locked(key, () => {
          if (summaryIn(key)?.mtime !== expected) return false
          writeFileAtomicSync(join(partDir(key), SUMMARY), JSON.stringify(summary))
          return true
        })
      },
      catch: (cause) => (cause instanceof VaultIOError ? cause : ioError(cause, partDir(key), "keep a summary in"))
    })

  const summaryOf = (key: TranscriptKey): Effect.Effect<CopySummary | undefined, VaultError> =>
    Effect.try({ try: () => summaryIn(key), catch: (cause) => ioError(cause, partDir(key), "read a summary in") })

  const summaries = (projectKey: string) =>
    Effect.flatMap(list(), (copies) =>
      Effect.try({
        try: () =>
          copies.flatMap((copy) => {
            if (copy.key.subpath !== "" || copy.meta.projectKey !== projectKey) return []
            const summary = summaryIn(copy.key)
            return summary === undefined ? [] : [{ key: copy.key, ...summary }]
          }),
        catch: (cause) => ioError(cause, dir, "read the summaries in")
      })
    )

  const push = (
    key: TranscriptKey,
    meta: TranscriptMeta,
    given: Push
  ): Effect.Effect<VaultedTranscript, VaultConflict | VaultError> =>
    Effect.flatMap(
      Effect.tryPromise({
        try: () => locked(key, () => pushLocked(key, meta, given)),
        catch: (cause) =>
          cause instanceof VaultDamaged || cause instanceof VaultIOError
            ? cause
            : ioError(cause, partDir(key), "push to")
      }),
      (result): Effect.Effect<VaultedTranscript, VaultConflict> =>
        result instanceof VaultConflict ? Effect.fail(result) : Effect.succeed(result)
    )

  // a data file stays open while its chunks are read one after another (a restore): the
  // kernel reads ahead only for reads through one open file, and a cold copy read through a
  // fresh descriptor per chunk waited for every 128 KiB of it. Closed once idle.
  const openData = new Map<
    string,
    { handle: Promise<FileHandle>; ino: Promise<number>; users: number; idle?: NodeJS.Timeout }
  >()
  const withData = async <A>(path: string, f: (handle: FileHandle) => Promise<A>): Promise<A> => {
    let held = openData.get(path)
    // the file is still the one held open (not removed or replaced since), else opened again
    const now = statSync(path, { throwIfNoEntry: false })?.ino
    if (held !== undefined && (now === undefined || (await held.ino.catch(() => -1)) !== now)) {
      openData.delete(path)
      const stale = held
      stale.handle.then((h) => (stale.users === 0 ? h.close() : undefined)).catch(() => {})
      held = undefined
    }
    if (held === undefined) {
      const handle = open(path, "r")
      held = { handle, ino: handle.then(async (h) => (await h.stat()).ino), users: 0 }
      openData.set(path, held)
      // a file that cannot be opened is the read's to report (below), not an unhandled rejection
      held.handle.catch(() => openData.delete(path))
      held.ino.catch(() => {})
    }
    const entry = held
    clearTimeout(entry.idle)
    entry.users++
    try {
      return await f(await entry.handle)
    } finally {
      entry.users--
      if (entry.users === 0 && openData.get(path) !== entry) {
        // replaced or removed while in use: its last user closes it (no idle wait for a file gone)
        entry.handle.then((h) => h.close()).catch(() => {})
      } else if (entry.users === 0) {
        entry.idle = setTimeout(() => {
          if (entry.users > 0 || openData.get(path) !== entry) return
          openData.delete(path)
          entry.handle.then((h) => h.close()).catch(() => {})
        }, 250)
        entry.idle.unref()
      }
    }
  }

  const readChunk = (
    key: TranscriptKey,
    generation: number,
    chunk: ChunkRef,
    into?: Uint8Array
  ): Effect.Effect<Uint8Array, VaultError> =>
    Effect.tryPromise({
      try: async () => {
        const path = join(partDir(key), `g${generation}.data`)
        try {
          return await withData(path, async (handle) => {
            const bytes =
              into !== undefined && into.length >= chunk.length
                ? Buffer.from(into.buffer, into.byteOffset, chunk.length)
                : Buffer.allocUnsafe(chunk.length)
            let got = 0
            while (got < chunk.length) {
              const { bytesRead } = await handle.read(bytes, got, chunk.length - got, chunk.offset + got)
              if (bytesRead === 0) break
              got += bytesRead
            }
            if (got < chunk.length)
              throw damagedError(key, `its data ends at ${chunk.offset + got}, inside the chunk at ${chunk.offset}`)
            return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length)
          })
        } catch (error) {
          if (errnoCode(error) === "ENOENT") throw damagedError(key, `its data file g${generation}.data is missing`)
          throw error
        }
      },
      catch: (cause) => (cause instanceof VaultDamaged ? cause : ioError(cause, partDir(key), "read a chunk in"))
    })

  const list = (
    options: { readonly sessionId?: string } = {}
  ): Effect.Effect<ReadonlyArray<VaultedTranscript>, VaultError> =>
    Effect.try({
      try: () => {
        const out: Array<VaultedTranscript> = []
        const sessions = options.sessionId === undefined ? readdirOrNone(dir) : [options.sessionId]
        for (const sessionId of sessions) {
          for (const part of readdirOrNone(join(dir, sessionId))) {
            const key = keyOfPart(sessionId, part)
            const manifest = key === undefined ? undefined : manifestOf(key)
            const described = key === undefined || manifest === undefined ? undefined : describedOf(key, manifest)
            if (described !== undefined) out.push(described)
          }
        }
        return out.sort(byKey)
      },
      catch: (cause) => ioError(cause, dir, "list")
    })

  const remove = (key: TranscriptKey): Effect.Effect<boolean, VaultError> =>
    Effect.try({
      try: () => {
        const had = manifestOf(key) !== undefined
        // no read after this may go through a descriptor of the files removed
        for (const [path, held] of openData) {
          if (!path.startsWith(`${partDir(key)}/`)) continue
          openData.delete(path)
          clearTimeout(held.idle)
          held.handle.then((h) => h.close()).catch(() => {})
        }
        rmSync(partDir(key), { recursive: true, force: true })
        if (readdirOrNone(join(dir, key.sessionId)).length === 0)
          rmSync(join(dir, key.sessionId), { recursive: true, force: true })
        return had
      },
      catch: (cause) => ioError(cause, partDir(key), "remove")
    })

  return {
    kind: "file",
    location: dir,
    push,
    describe,
    readChunk,
    list,
    remove,
    claim,
    release,
    putSummary,
    summaryOf,
    summaries
  }
}

const readdirOrNone = (path: string): Array<string> => {
  try {
    return readdirSync(path)
  } catch (error) {
    if (errnoCode(error) === "ENOENT" || errnoCode(error) === "ENOTDIR") return []
    throw error
  }
}

/** A folder's new entries made durable (a new transcript's folder survives a power cut). */
const syncDirectory = (path: string): void => {
  try {
    const fd = openSync(path, "r")
    try {
      fdatasyncSync(fd)
    } finally {
      closeSync(fd)
    }
  } catch {
    // some filesystems refuse to sync a directory: the data itself was synced
  }
}
