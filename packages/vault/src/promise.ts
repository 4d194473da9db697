/**
 * The plain Promise API, for tools that don't use Effect. Failures reject with the same typed
 * errors (`VaultIOError`, `VaultConflict`, `VaultDamaged`, `VaultNotFound`, `RestoreRefused`).
 */
import { runAsPromise } from "@cc/events"
import { type FileVaultOptions, makeFileVault } from "./file-vault.js"
import type { TranscriptKey } from "./key.js"
import { makeMemoryVault } from "./memory-vault.js"
import { type MirrorOutcome, type MirrorTarget, mirrorTranscript } from "./mirror.js"
import {
  type CopyCheck,
  type RestoreOutcome,
  type RestoreRequest,
  restoreTranscript,
  restoreTranscripts,
  verifyVault
} from "./restore.js"
import type { ChunkRef, Push, TranscriptMeta, VaultedTranscript, VaultShape } from "./vault.js"

export interface TranscriptVault {
  readonly kind: string
  readonly location: string
  /** The Effect vault underneath, for `mirrorTranscript` and friends. */
  readonly shape: VaultShape
  readonly push: (key: TranscriptKey, meta: TranscriptMeta, push: Push) => Promise<VaultedTranscript>
  readonly describe: (key: TranscriptKey) => Promise<VaultedTranscript | undefined>
  readonly readChunk: (key: TranscriptKey, generation: number, chunk: ChunkRef) => Promise<Uint8Array>
  readonly list: (options?: { readonly sessionId?: string }) => Promise<ReadonlyArray<VaultedTranscript>>
  readonly remove: (key: TranscriptKey) => Promise<boolean>
  /** Brings the copy of one transcript up to its file. */
  readonly mirror: (target: MirrorTarget) => Promise<MirrorOutcome>
  /** Puts one transcript back at `path`, checked byte for byte. */
  readonly restore: (key: TranscriptKey, path: string) => Promise<RestoreOutcome>
  /**
   * Puts several transcripts back (a chain), a few at once, each checked byte for byte: how
   * each went, in the order asked, as `Promise.allSettled` says it (one failing stops none).
   */
  readonly restoreAll: (requests: ReadonlyArray<RestoreRequest>) => Promise<Array<PromiseSettledResult<RestoreOutcome>>>
  /** Checks every chunk (or one session's) against its digest. */
  readonly verify: (options?: { readonly sessionId?: string }) => Promise<ReadonlyArray<CopyCheck>>
}

export const promiseVault = (shape: VaultShape): TranscriptVault => ({
  kind: shape.kind,
  location: shape.location,
  shape,
  push: (key, meta, push) => runAsPromise(shape.push(key, meta, push)),
  describe: (key) => runAsPromise(shape.describe(key)),
  readChunk: (key, generation, chunk) => runAsPromise(shape.readChunk(key, generation, chunk)),
  list: (options) => runAsPromise(shape.list(options)),
  remove: (key) => runAsPromise(shape.remove(key)),
  mirror: (target) => runAsPromise(mirrorTranscript(shape, target)),
  restore: (key, path) => runAsPromise(restoreTranscript(shape, key, path)),
  restoreAll: async (requests) =>
    (await runAsPromise(restoreTranscripts(shape, requests))).map(
      (r): PromiseSettledResult<RestoreOutcome> =>
        r._tag === "Success" ? { status: "fulfilled", value: r.success } : { status: "rejected", reason: r.failure }
    ),
  verify: (options) => runAsPromise(verifyVault(shape, options))
})

/** The file vault (see `makeFileVault`), with the Promise API. */
export const openFileVault = (options: FileVaultOptions): TranscriptVault => promiseVault(makeFileVault(options))

/** The in-memory vault, with the Promise API. */
export const openMemoryVault = (): TranscriptVault => promiseVault(makeMemoryVault())
