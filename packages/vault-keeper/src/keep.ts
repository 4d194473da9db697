/**
 * What a store keeps in its transcript vault, and where a kept transcript goes back to: the
 * same for every launcher (the CLI, its detached supervisor, `@cc/agent-sdk`'s query).
 *
 * - Policy and location: `@cc/vault`'s `vaultPolicyOf` and `vaultLocationOf`.
 * - A Claude id with copies in several folders (resumed from another directory, a second
 *   Claude home) is kept from its largest copy: Claude only appends, so the largest holds the
 *   others, and the choice does not flap between listings.
 * - A transcript goes back to the project folder claude looks in for the directory it runs
 *   in: `<home>/projects/<that cwd's folder name>/`, or the folder it was copied from when
 *   no cwd is known.
 */
import { existsSync, readdirSync } from "node:fs"
import { basename, join } from "node:path"
import type { IndexedTranscript, TranscriptCache } from "@cc/cache"
import { HOST, runAsPromise } from "@cc/events"
import { projectFolderName } from "@cc/sources"
import {
  type MirrorTarget,
  mirrorTranscript,
  type OpenedVault,
  pathInProject,
  type RestoreRequest,
  restoreTranscripts,
  type TranscriptKey,
  transcriptKeyOf,
  type VaultedTranscript,
  type VaultPolicy,
  type VaultShape
} from "@cc/vault"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"

/** How often a run's transcript is mirrored while it writes. */
export const KEEP_EVERY_MS = 5_000

/** How long a run's claim on its transcript lasts unless renewed (a dead supervisor's runs out). */
export const CLAIM_TTL_MS = 30_000

/** The claim a run holds on the transcript it continues: the resumed id, the run as holder. */
export const RunClaim = Schema.Struct({
  sessionId: Schema.String,
  holder: Schema.Struct({ id: Schema.String, host: Schema.String, what: Schema.String })
})
export type RunClaim = typeof RunClaim.Type

export interface RunKeeper {
  /**
   * Renews the run's claim and mirrors its transcript (and its subagents') once its id is
   * known. Never throws: a vault that cannot be written loses the copy, not the run.
   */
  readonly tick: (claudeSessionId: string | undefined) => Promise<void>
  /** The last mirror, the claim given up, the vault closed. */
  readonly finish: (claudeSessionId: string | undefined) => Promise<void>
}

/** What a run keeps of itself: the transcript claude writes for its cwd in `claudeHome`. */
export const runKeeper = (
  openVault: () => Promise<OpenedVault>,
  claudeHome: string,
  cwd: string,
  claim?: RunClaim
): RunKeeper => {
  let opened: Promise<OpenedVault | undefined> | undefined
  const vault = async () => {
    opened ??= openVault().catch(() => undefined)
    return (await opened)?.vault
  }
  const folder = join(claudeHome, "projects", projectFolderName(cwd))
  const claimKey = claim === undefined ? undefined : transcriptKeyOf(claim.sessionId)
  const mirror = async (claudeSessionId: string | undefined) => {
    const v = await vault()
    if (v === undefined || claudeSessionId === undefined) return
    await keepTranscripts(v, targetsIn(folder, claudeSessionId, cwd, true)).catch(() => undefined)
  }
  return {
    tick: async (claudeSessionId) => {
      const v = await vault()
      if (v !== undefined && claim !== undefined && claimKey !== undefined)
        await runAsPromise(v.claim(claimKey, claim.holder, CLAIM_TTL_MS)).catch(() => undefined)
      await mirror(claudeSessionId)
    },
    finish: async (claudeSessionId) => {
      await mirror(claudeSessionId)
      const v = await vault()
      if (v !== undefined && claim !== undefined && claimKey !== undefined)
        await runAsPromise(v.release(claimKey, claim.holder.id)).catch(() => undefined)
      await (await opened)?.close().catch(() => {})
    }
  }
}

const SUBAGENTS = "subagents"
const SUBAGENT_FILE = /^agent-[A-Za-z0-9._-]+\.jsonl$/

/** The copy of a Claude id the vault keeps: the largest, then the newest. */
const keptCopy = (copies: ReadonlyArray<IndexedTranscript>): IndexedTranscript | undefined =>
  [...copies].sort((a, b) => b.size - a.size || b.mtimeMs - a.mtimeMs)[0]

/**
 * The transcript `<folder>/<id>.jsonl` and, when it has some, its subagents'
 * (`<folder>/<id>/subagents/agent-*.jsonl`), as mirror targets.
 */
const targetsIn = (
  folder: string,
  claudeSessionId: string,
  cwd: string | undefined,
  withSubagents: boolean,
  path = join(folder, `${claudeSessionId}.jsonl`)
): Array<MirrorTarget> => {
  const key = transcriptKeyOf(claudeSessionId)
  if (key === undefined) return []
  const meta = { projectKey: basename(folder), ...(cwd === undefined ? {} : { cwd }), host: HOST }
  const targets: Array<MirrorTarget> = [{ key, meta, path }]
  if (!withSubagents) return targets
  const subagents = join(folder, claudeSessionId, SUBAGENTS)
  let names: Array<string> = []
  try {
    names = readdirSync(subagents).filter((name) => SUBAGENT_FILE.test(name))
  } catch {
    // none, or gone since the index looked: nothing of them to keep now
  }
  for (const name of names.sort()) {
    const sub = transcriptKeyOf(claudeSessionId, `${SUBAGENTS}/${name}`)
    if (sub !== undefined) targets.push({ key: sub, meta, path: join(subagents, name) })
  }
  return targets
}

const targetsOf = (copy: IndexedTranscript): Array<MirrorTarget> =>
  targetsIn(copy.folder, copy.claudeSessionId, copy.cwd, (copy.subagents?.count ?? 0) > 0, copy.path)

/** The Claude ids the policy keeps: those a stable session owns, or every one the index knows. */
export const idsToKeep = (
  policy: VaultPolicy,
  owned: Iterable<string>,
  cache: TranscriptCache
): ReadonlyArray<string> => {
  if (policy === "none") return []
  if (policy === "stable") return [...new Set(owned)].sort()
  return [...new Set(cache.all().map((t) => t.claudeSessionId))].sort()
}

/** The mirror targets of some Claude ids: the ids the index has no transcript of are left out. */
export const mirrorTargetsOf = (cache: TranscriptCache, ids: ReadonlyArray<string>): Array<MirrorTarget> =>
  ids.flatMap((id) => {
    const copy = keptCopy(cache.copiesOf(id))
    return copy === undefined ? [] : targetsOf(copy)
  })

/** Whether a transcript is on this host: a copy the index knows of that is still there. */
export const transcriptsHere =
  (cache: TranscriptCache): ((key: TranscriptKey) => boolean) =>
  (key) =>
    cache
      .copiesOf(key.sessionId)
      .some((t) => existsSync(key.subpath === "" ? t.path : join(t.folder, key.sessionId, key.subpath)))

export interface KeepSummary {
  readonly files: number
  readonly pushed: number
  readonly bytes: number
  readonly unchanged: number
  /** Transcripts the vault holds more of than the file does (the file was cut, or is older). */
  readonly ahead: number
  readonly problems: ReadonlyArray<string>
}

/** Brings the vault's copies of these transcripts up to date; a problem with one goes on to the next. */
export const keepTranscripts = async (
  vault: VaultShape,
  targets: ReadonlyArray<MirrorTarget>
): Promise<KeepSummary> => {
  let pushed = 0
  let bytes = 0
  let unchanged = 0
  let ahead = 0
  const problems: Array<string> = []
  for (const target of targets) {
    const outcome = await Effect.runPromise(Effect.result(mirrorTranscript(vault, target)))
    if (outcome._tag === "Failure") {
      problems.push(outcome.failure.message)
      continue
    }
    const value = outcome.success
    if (value._tag === "Pushed") {
      pushed++
      bytes += value.bytes
    } else if (value._tag === "VaultAhead") ahead++
    else unchanged++
  }
  return { files: targets.length, pushed, bytes, unchanged, ahead, problems }
}

/** Where a kept transcript goes back to on this host, for a session run in `cwd` (if known). */
export const restoreTargetOf = (
  home: string,
  copy: Pick<VaultedTranscript, "key" | "meta">,
  cwd: string | undefined,
  env: NodeJS.ProcessEnv = process.env
): string => {
  const where = cwd ?? copy.meta.cwd
  const folder = where === undefined ? copy.meta.projectKey : projectFolderName(where, env)
  return join(home, "projects", folder, pathInProject(copy.key))
}

export type { TranscriptKey }

export interface Restored {
  readonly key: TranscriptKey
  readonly path: string
  readonly outcome: "restored" | "caught up"
  readonly bytes: number
}

/**
 * Puts back every kept transcript of these Claude ids (and their subagents') that is not on
 * this host, where claude looks for a session run in `cwd`; with `catchUp` (the caller holds
 * the claim) one that is here with only the start of the copy (another host went on with it)
 * is brought up to the copy. What is here whole is left be. The transcripts go back together
 * (`restoreTranscripts`); if one cannot, the first such failure is thrown once all have ended.
 */
export const restoreMissing = async (
  vault: VaultShape,
  cache: TranscriptCache,
  home: string,
  ids: ReadonlyArray<string>,
  cwd: string | undefined,
  options: { readonly catchUp?: boolean } = {}
): Promise<Array<Restored>> => {
  const here = transcriptsHere(cache)
  const requests: Array<RestoreRequest> = []
  for (const id of ids) {
    for (const copy of await runAsPromise(vault.list({ sessionId: id }))) {
      const target = restoreTargetOf(home, copy, cwd)
      // here, elsewhere than where it would go: claude's own copy, left be; and without the
      // claim, whatever is there is (someone may be writing it)
      if (here(copy.key) && !existsSync(target)) continue
      if (options.catchUp !== true && existsSync(target)) continue
      requests.push({ key: copy.key, target, options: options.catchUp === true ? { catchUp: true } : {} })
    }
  }
  const outcomes = await runAsPromise(restoreTranscripts(vault, requests))
  const failed = outcomes.find((o) => o._tag === "Failure")
  if (failed !== undefined) throw failed.failure
  return outcomes.flatMap((o): Array<Restored> => {
    if (o._tag === "Failure" || o.success._tag === "Present") return []
    const { copy, path, bytes } = o.success
    return [{ key: copy.key, path, outcome: o.success._tag === "Restored" ? "restored" : "caught up", bytes }]
  })
}
