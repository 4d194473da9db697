import * as Effect from "effect/Effect"
import { sha256Hex } from "./digest.js"
import { VaultDamaged } from "./errors.js"
import { byKey, keyName, type TranscriptKey } from "./key.js"
import { pushVerdict } from "./push-rule.js"
import {
  type ChunkRef,
  type ClaimHolder,
  type CopySummary,
  claimVerdict,
  type Push,
  type TranscriptMeta,
  type VaultedTranscript,
  type VaultShape
} from "./vault.js"

interface Held {
  key: TranscriptKey
  meta: TranscriptMeta
  generation: number
  chunks: Array<{ ref: ChunkRef; bytes: Uint8Array }>
  older: Map<number, Array<{ ref: ChunkRef; bytes: Uint8Array }>>
  firstAt: number
  updatedAt: number
}

const described = (held: Held): VaultedTranscript => {
  const last = held.chunks.at(-1)?.ref
  return {
    key: held.key,
    meta: held.meta,
    generation: held.generation,
    length: last === undefined ? 0 : last.offset + last.length,
    chunks: held.chunks.map((c) => c.ref),
    firstAt: held.firstAt,
    updatedAt: held.updatedAt
  }
}

/** The in-memory vault: for tests, and the model the conformance suite holds others to. */
export const makeMemoryVault = (options: { readonly now?: () => number } = {}): VaultShape => {
  const now = options.now ?? Date.now
  const held = new Map<string, Held>()
  const claims = new Map<string, { by: ClaimHolder; until: number }>()
  const summaries = new Map<string, CopySummary>()
  return {
    kind: "memory",
    location: "memory",
    push: (key: TranscriptKey, meta: TranscriptMeta, push: Push) =>
      Effect.suspend(() => {
        const current = held.get(keyName(key))
        const verdict = pushVerdict(key, current === undefined ? undefined : described(current), push)
        if (verdict._tag === "Refused") return Effect.fail(verdict.conflict)
        const at = now()
        const chunk = {
          ref: { offset: push.offset, length: push.bytes.length, sha256: sha256Hex(push.bytes), at },
          bytes: Uint8Array.from(push.bytes)
        }
        if (current === undefined) {
          const made: Held = { key, meta, generation: 0, chunks: [chunk], older: new Map(), firstAt: at, updatedAt: at }
          held.set(keyName(key), made)
          return Effect.succeed(described(made))
        }
        if (verdict._tag === "NewGeneration") {
          current.older.set(current.generation, current.chunks)
          current.generation = push.generation
          current.chunks = []
        }
        current.chunks.push(chunk)
        current.meta = meta
        current.updatedAt = at
        return Effect.succeed(described(current))
      }),
    describe: (key: TranscriptKey) =>
      Effect.sync(() => {
        const current = held.get(keyName(key))
        return current === undefined ? undefined : described(current)
      }),
    readChunk: (key: TranscriptKey, generation: number, chunk: ChunkRef) =>
      Effect.suspend(() => {
        const current = held.get(keyName(key))
        const chunks = current?.generation === generation ? current.chunks : current?.older.get(generation)
        const found = chunks?.find((c) => c.ref.offset === chunk.offset && c.ref.length === chunk.length)
        return found === undefined
          ? Effect.fail(
              new VaultDamaged({
                sessionId: key.sessionId,
                subpath: key.subpath,
                message: `the vault holds no chunk of ${keyName(key)} at ${chunk.offset} (generation ${generation})`
              })
            )
          : Effect.succeed(Uint8Array.from(found.bytes))
      }),
    list: (options: { readonly sessionId?: string } = {}) =>
      Effect.sync(() =>
        [...held.values()]
          .filter((h) => options.sessionId === undefined || h.key.sessionId === options.sessionId)
          .map(described)
          .sort(byKey)
      ),
    remove: (key: TranscriptKey) =>
      Effect.sync(() => {
        claims.delete(keyName(key))
        summaries.delete(keyName(key))
        return held.delete(keyName(key))
      }),
    claim: (key: TranscriptKey, holder: ClaimHolder, ttlMs: number) =>
      Effect.sync(() => {
        const outcome = claimVerdict(claims.get(keyName(key)), holder, now(), ttlMs)
        if (outcome._tag === "Granted") claims.set(keyName(key), { by: holder, until: outcome.until })
        return outcome
      }),
    release: (key: TranscriptKey, holderId: string) =>
      Effect.sync(() => {
        if (claims.get(keyName(key))?.by.id === holderId) claims.delete(keyName(key))
      }),
    putSummary: (key: TranscriptKey, expected: number | undefined, summary: CopySummary) =>
      Effect.sync(() => {
        if (!held.has(keyName(key)) || summaries.get(keyName(key))?.mtime !== expected) return false
        summaries.set(keyName(key), structuredClone(summary))
        return true
      }),
    summaryOf: (key: TranscriptKey) =>
      Effect.sync(() => {
        const kept = summaries.get(keyName(key))
        return kept === undefined ? undefined : structuredClone(kept)
      }),
    summaries: (projectKey: string) =>
      Effect.sync(() =>
        [...held.values()]
          .filter((h) => h.key.subpath === "" && h.meta.projectKey === projectKey && summaries.has(keyName(h.key)))
          .map((h) => ({ key: h.key, ...structuredClone(summaries.get(keyName(h.key)) as CopySummary) }))
          .sort(byKey)
      )
  }
}
