/**
 * The one vault interface. A vault keeps, for each transcript, an append-only copy of its
 * bytes as chunks: each chunk is where it starts in the file, how long it is and the SHA-256 of
 * its bytes, so an appended turn copies only the appended bytes and every byte restored is
 * checked. Every implementation (the file vault, the memory vault, the PostgreSQL vault of
 * `@cc/store-postgres`) passes the same conformance suite, `@cc/vault/conformance`.
 *
 * Contract:
 * - `push` continues a copy exactly where it ends (`offset` = its length, same generation) or
 *   starts its next generation at 0 (a file that was replaced, not appended to); anything else
 *   is a `VaultConflict` and writes nothing. A push is atomic and durable once it returns: a
 *   chunk that was acknowledged is never lost, one that was not is never half there, and no
 *   chunk is ever kept twice.
 * - A generation's chunks cover `[0, length)` without gaps, in order.
 * - Older generations are kept until `remove`; `describe` and restores use the newest.
 */
import * as Context from "effect/Context"
import type * as Effect from "effect/Effect"
import type { VaultConflict, VaultError } from "./errors.js"
import type { TranscriptKey } from "./key.js"

/** Where a transcript lived when it was copied: enough to put it back where claude looks. */
export interface TranscriptMeta {
  /** The Claude project folder's name it sat in (on the host it was copied from). */
  readonly projectKey: string
  /** The session's cwd, from the transcript itself, when known. */
  readonly cwd?: string
  /** The host it was copied from. */
  readonly host: string
  /**
   * Who writes the copy: a file's mirror (unset) or the Agent SDK's `SessionStore` (entries
   * it was handed, re-serialized). A mirror never pushes to a copy the SessionStore keeps: the
   * two would not agree byte for byte.
   */
  readonly via?: "session-store"
}

export interface ChunkRef {
  readonly offset: number
  readonly length: number
  /** SHA-256 of the chunk's bytes, lowercase hex. */
  readonly sha256: string
  /** When it was pushed (ms since the epoch). */
  readonly at: number
}

export interface VaultedTranscript {
  readonly key: TranscriptKey
  readonly meta: TranscriptMeta
  /** The newest generation: 0, or more once the file was replaced rather than appended to. */
  readonly generation: number
  /** Bytes kept of the newest generation. */
  readonly length: number
  /** The newest generation's chunks, in order. */
  readonly chunks: ReadonlyArray<ChunkRef>
  /** When the first chunk of any generation was pushed, and the last. */
  readonly firstAt: number
  readonly updatedAt: number
  /** Why this copy does not check out (a file vault's manifest that does not decode): nothing is pushed to or restored from it. */
  readonly damaged?: string
}

/**
 * Who is writing a transcript: the one run allowed to append to it (a transcript never has
 * two writers). A claim lasts until `until` unless its holder claims it again (a renewal).
 */
export interface ClaimHolder {
  /** The run's own id: a claim by the same id is a renewal. */
  readonly id: string
  readonly host: string
  /** What the holder is, for the one who is refused ("resume of cc-session-… (pid 123)"). */
  readonly what: string
}

export type ClaimOutcome =
  | { readonly _tag: "Granted"; readonly until: number }
  | { readonly _tag: "Held"; readonly by: ClaimHolder; readonly until: number }

export interface Push {
  readonly generation: number
  readonly offset: number
  readonly bytes: Uint8Array
}

export interface VaultShape {
  readonly kind: string
  readonly location: string
  /** Appends one chunk (see the contract above) and tells the copy as it is now. */
  readonly push: (
    key: TranscriptKey,
    meta: TranscriptMeta,
    push: Push
  ) => Effect.Effect<VaultedTranscript, VaultConflict | VaultError>
  /** The copy of one transcript, or undefined when the vault has none. */
  readonly describe: (key: TranscriptKey) => Effect.Effect<VaultedTranscript | undefined, VaultError>
  /**
   * A chunk's bytes as kept, not checked: a restore checks them against the digest. A chunk
   * missing or cut short is `VaultDamaged`.
   */
  readonly readChunk: (
    key: TranscriptKey,
    generation: number,
    chunk: ChunkRef,
    /** Where to read it to (at least `chunk.length` bytes), if the vault can: a restore reuses a few buffers. */
    into?: Uint8Array
  ) => Effect.Effect<Uint8Array, VaultError>
  /** Every transcript the vault holds (optionally one session's only), newest generation each. */
  readonly list: (options?: {
    readonly sessionId?: string
  }) => Effect.Effect<ReadonlyArray<VaultedTranscript>, VaultError>
  /** Drops a transcript's copy, every generation; whether there was one. */
  readonly remove: (key: TranscriptKey) => Effect.Effect<boolean, VaultError>
  /**
   * Claims the right to write a transcript for `ttlMs`: granted when nobody else holds an
   * unexpired claim (or the holder is `holder` itself: a renewal), else who holds it.
   */
  readonly claim: (key: TranscriptKey, holder: ClaimHolder, ttlMs: number) => Effect.Effect<ClaimOutcome, VaultError>
  /** Gives a claim up (nothing happens unless `holderId` holds it). */
  readonly release: (key: TranscriptKey, holderId: string) => Effect.Effect<void, VaultError>
  /**
   * Keeps a summary beside a copy if the one kept now has the mtime `expected` (undefined: none
   * kept), a compare-and-set: whether it was kept. Gone with the copy.
   */
  readonly putSummary: (
    key: TranscriptKey,
    expected: number | undefined,
    summary: CopySummary
  ) => Effect.Effect<boolean, VaultError>
  /** The summary kept beside one copy. */
  readonly summaryOf: (key: TranscriptKey) => Effect.Effect<CopySummary | undefined, VaultError>
  /** The summaries kept beside the copies of one project folder's transcripts (subpath ""). */
  readonly summaries: (
    projectKey: string
  ) => Effect.Effect<ReadonlyArray<{ readonly key: TranscriptKey } & CopySummary>, VaultError>
}

/** The one rule of a claim, shared by every vault: who holds it after `holder` asks at `now`. */
export const claimVerdict = (
  current: { readonly by: ClaimHolder; readonly until: number } | undefined,
  holder: ClaimHolder,
  now: number,
  ttlMs: number
): ClaimOutcome =>
  current !== undefined && current.until > now && current.by.id !== holder.id
    ? { _tag: "Held", by: current.by, until: current.until }
    : { _tag: "Granted", until: now + Math.max(0, ttlMs) }

/** An opaque summary kept beside a copy (the SDK's `SessionSummaryEntry`): its write time and data. */
export interface CopySummary {
  readonly mtime: number
  readonly data: Readonly<Record<string, unknown>>
}

export class Vault extends Context.Service<Vault, VaultShape>()("@cc/vault/Vault") {}

/** The largest chunk a push carries: a long transcript copied whole goes in several. */
export const MAX_CHUNK_BYTES = 4 * 1024 * 1024
