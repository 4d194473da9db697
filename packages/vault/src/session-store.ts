/**
 * The Agent SDK's `SessionStore` (0.3.x, alpha) on a vault: `query({ options: { sessionStore } })`
 * mirrors a session's entries into the vault, a resume on another host with a fresh
 * `CLAUDE_CONFIG_DIR` loads them back, and `listSessions({ sessionStore })` reads the summaries
 * kept beside the copies. Structural types only: nothing here imports the SDK (its
 * `foldSessionSummary` is handed in).
 *
 * Rules:
 * - A key is the vault's: the session id, and the SDK's subpath (`subagents/agent-…`) as the
 *   file it names (`subagents/agent-….jsonl`). `projectKey` scopes it as the SDK's own stores
 *   do: a copy is loaded, listed and summarized only under the project key it was kept under.
 * - Entries are kept as JSON lines, one per entry. Those with a `uuid` already in the copy are
 *   not kept again (a retried batch, an `importSessionToStore` replayed); those without one
 *   (titles, tags) always are.
 * - A copy this store makes is marked as the SessionStore's: a mirror of the local file never
 *   pushes to it. A copy a mirror made stays the mirror's: entries appended to it here are
 *   taken over by the file the next time it is mirrored (the SDK writes the file first).
 * - Summaries are folded with the SDK's `foldSessionSummary` inside `append`, stamped with the
 *   copy's own write time (the clock `listSessions` reports), kept by compare-and-set.
 */
import { HOST, runAsPromise } from "@cc/events"
import { isVaultError } from "./errors.js"
import { type TranscriptKey, transcriptKeyOf } from "./key.js"
import { readVerified } from "./restore.js"
import type { TranscriptMeta, VaultedTranscript, VaultShape } from "./vault.js"

/** The SDK's `SessionKey`. */
export interface SdkSessionKey {
  readonly projectKey: string
  readonly sessionId: string
  readonly subpath?: string
}

/** The SDK's `SessionStoreEntry`: one transcript line as a JSON value. */
export interface SdkSessionEntry {
  readonly type: string
  readonly uuid?: string
  readonly timestamp?: string
  readonly [k: string]: unknown
}

/** The SDK's `SessionSummaryEntry`. */
export interface SdkSessionSummary {
  readonly sessionId: string
  readonly mtime: number
  readonly data: Record<string, unknown>
}

/** The SDK's `foldSessionSummary`. */
export type FoldSessionSummary = (
  prev: SdkSessionSummary | undefined,
  key: SdkSessionKey,
  entries: Array<SdkSessionEntry>,
  options?: { mtime?: number }
) => SdkSessionSummary

/** The SDK's `SessionStore`, every optional method there. */
export interface VaultSessionStore {
  append(key: SdkSessionKey, entries: Array<SdkSessionEntry>): Promise<void>
  load(key: SdkSessionKey): Promise<Array<SdkSessionEntry> | null>
  listSessions(projectKey: string): Promise<Array<{ sessionId: string; mtime: number }>>
  listSessionSummaries(projectKey: string): Promise<Array<SdkSessionSummary>>
  delete(key: SdkSessionKey): Promise<void>
  listSubkeys(key: { projectKey: string; sessionId: string }): Promise<Array<string>>
}

export interface VaultSessionStoreOptions {
  /** The SDK's `foldSessionSummary`: without it, `listSessionSummaries` answers with none kept. */
  readonly foldSessionSummary?: FoldSessionSummary
  /** The host the copies are kept from (default `CC_SESSIONS_HOST`, else the host name). */
  readonly host?: string
}

const JSONL = ".jsonl"

/** The vault's key of an SDK key, or a clear error (the SDK retries, then reports `mirror_error`). */
const vaultKeyOf = (key: SdkSessionKey): TranscriptKey => {
  const found = transcriptKeyOf(key.sessionId, key.subpath === undefined ? "" : `${key.subpath}${JSONL}`)
  if (found === undefined)
    throw new TypeError(
      `the vault keeps Claude session ids and plain subpaths, not ${JSON.stringify(key.sessionId)}${key.subpath === undefined ? "" : ` / ${JSON.stringify(key.subpath)}`}`
    )
  return found
}

const linesOf = (bytes: Buffer): Array<SdkSessionEntry> => {
  const out: Array<SdkSessionEntry> = []
  for (const line of bytes.toString("utf8").split("\n")) {
    if (line === "") continue
    try {
      const value: unknown = JSON.parse(line)
      if (
        typeof value === "object" &&
        value !== null &&
        !Array.isArray(value) &&
        typeof (value as { type?: unknown }).type === "string"
      )
        out.push(value as SdkSessionEntry)
    } catch {
      // a line no JSON reader takes is not an entry (a mirrored file can hold none: whole lines only)
    }
  }
  return out
}

export const vaultSessionStore = (vault: VaultShape, options: VaultSessionStoreOptions = {}): VaultSessionStore => {
  const host = options.host ?? HOST
  // the uuids each copy holds, read once per key in this process
  const seen = new Map<string, Promise<Set<string>>>()

  const contentOf = async (copy: VaultedTranscript): Promise<Buffer> => {
    const parts: Array<Uint8Array> = []
    await runAsPromise(
      readVerified(vault, copy, (bytes) => {
        parts.push(Uint8Array.from(bytes))
      })
    )
    return Buffer.concat(parts)
  }
  const uuidsOf = (key: TranscriptKey, name: string): Promise<Set<string>> => {
    let known = seen.get(name)
    if (known === undefined) {
      known = (async () => {
        const copy = await runAsPromise(vault.describe(key))
        const uuids = new Set<string>()
        if (copy !== undefined)
          for (const e of linesOf(await contentOf(copy))) if (e.uuid !== undefined) uuids.add(e.uuid)
        return uuids
      })()
      seen.set(name, known)
      known.catch(() => seen.delete(name))
    }
    return known
  }

  const fold = async (key: SdkSessionKey, vkey: TranscriptKey, entries: Array<SdkSessionEntry>, mtime: number) => {
    const foldSummary = options.foldSessionSummary
    if (foldSummary === undefined || key.subpath !== undefined) return
    for (let attempt = 0; attempt < 8; attempt++) {
      const prev = await runAsPromise(vault.summaryOf(vkey))
      const next = foldSummary(
        prev === undefined ? undefined : { sessionId: key.sessionId, mtime: prev.mtime, data: { ...prev.data } },
        key,
        entries,
        { mtime: Math.max(mtime, prev?.mtime ?? 0) }
      )
      if (await runAsPromise(vault.putSummary(vkey, prev?.mtime, { mtime: next.mtime, data: next.data }))) return
    }
  }

  return {
    append: async (key, entries) => {
      const vkey = vaultKeyOf(key)
      const name = `${vkey.sessionId}/${vkey.subpath}`
      for (let attempt = 0; ; attempt++) {
        const uuids = await uuidsOf(vkey, name)
        const batch = new Set<string>()
        // a uuid the copy holds, or one this batch already had, is not kept again
        const fresh = entries.filter((e) => {
          if (e.uuid === undefined) return true
          if (uuids.has(e.uuid) || batch.has(e.uuid)) return false
          batch.add(e.uuid)
          return true
        })
        if (fresh.length === 0) return
        const copy = await runAsPromise(vault.describe(vkey))
        const meta: TranscriptMeta = copy?.meta ?? {
          projectKey: key.projectKey,
          host,
          ...(typeof fresh[0]?.cwd === "string" ? { cwd: fresh[0].cwd } : {}),
          via: "session-store"
        }
        const bytes = Buffer.from(fresh.map((e) => `${JSON.stringify(e)}\n`).join(""))
        try {
          const pushed = await runAsPromise(
            vault.push(vkey, meta, { generation: copy?.generation ?? 0, offset: copy?.length ?? 0, bytes })
          )
          for (const e of fresh) if (e.uuid !== undefined) uuids.add(e.uuid)
          await fold(key, vkey, fresh, pushed.updatedAt)
          return
        } catch (error) {
          // another writer got there first: what it kept may hold these entries too
          if (attempt >= 4 || !isVaultError(error) || error._tag !== "VaultConflict") throw error
          seen.delete(name)
        }
      }
    },
    load: async (key) => {
      const copy = await runAsPromise(vault.describe(vaultKeyOf(key)))
      if (copy === undefined || copy.meta.projectKey !== key.projectKey) return null
      return linesOf(await contentOf(copy))
    },
    listSessions: async (projectKey) =>
      (await runAsPromise(vault.list()))
        .filter((c) => c.key.subpath === "" && c.meta.projectKey === projectKey)
        .map((c) => ({ sessionId: c.key.sessionId, mtime: Math.floor(c.updatedAt) })),
    listSessionSummaries: async (projectKey) =>
      (await runAsPromise(vault.summaries(projectKey))).map((s) => ({
        sessionId: s.key.sessionId,
        mtime: s.mtime,
        data: { ...s.data }
      })),
    delete: async (key) => {
      const vkey = vaultKeyOf(key)
      // a session's own key goes with its subagents' (the SDK's deleteSession removes the folder)
      const keys =
        key.subpath === undefined
          ? (await runAsPromise(vault.list({ sessionId: vkey.sessionId }))).map((c) => c.key)
          : [vkey]
      for (const k of keys) await runAsPromise(vault.remove(k))
      seen.clear()
    },
    listSubkeys: async ({ projectKey, sessionId }) =>
      (await runAsPromise(vault.list({ sessionId })))
        .filter((c) => c.key.subpath !== "" && c.meta.projectKey === projectKey)
        .map((c) => c.key.subpath.slice(0, -JSONL.length))
  }
}
