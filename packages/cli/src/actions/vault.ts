/**
 * `cc-session vault`: the transcript vault's own commands. `sync` copies what changed of the
 * kept transcripts, `ls` lists the copies (and whether Claude still has each), `restore` puts
 * a session's deleted transcripts back without running claude, `verify` checks every chunk,
 * `prune` drops copies not updated for a while.
 */
import { readdirSync } from "node:fs"
import { resolve } from "node:path"
import { type ClaudeSessionId, claudeSessionIdOf, runAsPromise } from "@cc/events"
import type { ChainRow, Resolution } from "@cc/resolver"
import { keyName, type VaultedTranscript, type VaultPolicy, vaultPolicyOf, verifyVault } from "@cc/vault"
import {
  idsToKeep,
  type KeepSummary,
  keepTranscripts,
  mirrorTargetsOf,
  restoreMissing,
  transcriptsHere
} from "@cc/vault-keeper"
import { CliFailure, type Context, human, optionValue } from "../context.js"
import { ageMs } from "../durations.js"
import { renderTable, terminalWidth } from "../table.js"

const SUBCOMMANDS = "sync, ls, restore <ref>, verify or prune --older-than AGE"

export const policyOf = (ctx: Context): VaultPolicy => {
  const { policy, problem } = vaultPolicyOf(ctx.storeDir)
  if (problem !== undefined) ctx.warn(problem)
  return policy
}

/** Brings the vault up to date with what the policy keeps (the index refreshed first). */
export const keepPerPolicy = async (ctx: Context, policy: VaultPolicy): Promise<KeepSummary> => {
  const { resolver, cache } = await ctx.open()
  await cache.ensureFresh()
  const sessions = await resolver.sessions()
  const targets = mirrorTargetsOf(cache, idsToKeep(policy, sessions.byClaudeId.keys(), cache))
  const summary = await keepTranscripts(await ctx.vault(), targets)
  for (const problem of summary.problems) ctx.warn(problem)
  return summary
}

/**
 * What `ls --all` keeps fresh: the transcripts of the rows it made again (their folders
 * changed), those the policy keeps. Nothing when the listing was kept as it was.
 */
export const keepChanged = async (
  ctx: Context,
  changed: { readonly all: ReadonlyArray<string>; readonly owned: ReadonlyArray<string> }
): Promise<void> => {
  if (changed.all.length === 0) return
  const policy = policyOf(ctx)
  const ids = policy === "all" ? changed.all : policy === "stable" ? changed.owned : []
  if (ids.length === 0) return
  const { cache } = await ctx.open()
  const summary = await keepTranscripts(await ctx.vault(), mirrorTargetsOf(cache, [...new Set(ids)]))
  for (const problem of summary.problems) ctx.warn(problem)
}

/**
 * Rows for the chains Claude's cleanup deleted whole that the vault kept: `ls --all` lists
 * them after the others (transcript "deleted from <home>, kept"). Only the store's own vault
 * is looked at here (one folder listing when nothing was deleted); a shared one: `vault ls`.
 */
export const deletedButKept = async (ctx: Context): Promise<Array<ChainRow>> => {
  if (ctx.vaultLocation.kind !== "file") return []
  let names: Array<string>
  try {
    names = readdirSync(ctx.vaultLocation.location)
  } catch {
    return []
  }
  const { cache, resolver } = await ctx.open()
  const missing = names.filter(
    (name) => claudeSessionIdOf(name) !== undefined && cache.indexedFoldersOf(name).length === 0
  )
  if (missing.length === 0) return []
  const vault = await ctx.vault()
  const home = ctx.claudeHomes[0] ?? "the Claude home"
  const chains = new Map<string, { resolution: Resolution | undefined; ids: Array<string> }>()
  for (const id of missing) {
    const resolution = await resolver.resolve(id).catch(() => undefined)
    const owner = resolution?.stableId ?? id
    const chain = chains.get(owner) ?? { resolution, ids: [] }
    chain.ids.push(id)
    chains.set(owner, chain)
  }
  const rows: Array<ChainRow> = []
  for (const { resolution, ids } of chains.values()) {
    const members = resolution?.claudeSessionIds ?? ids
    // a chain with a member still here has its row already
    if (members.some((id) => cache.indexedFoldersOf(id).length > 0)) continue
    const copies = (await Promise.all(members.map((id) => runAsPromise(vault.list({ sessionId: id }))))).flat()
    const own = copies.filter((c) => c.key.subpath === "")
    const latest = resolution?.latestClaudeSessionId ?? own.at(-1)?.key.sessionId
    const first = own[0]
    if (latest === undefined || first === undefined) continue
    rows.push({
      id: resolution?.stableId ?? null,
      status: "deleted",
      claudeSessionIds: members.filter((id) => claudeSessionIdOf(id) !== undefined) as Array<ClaudeSessionId>,
      latestClaudeSessionId: latest,
      forkedFrom: null,
      cwd: resolution?.cwd ?? first.meta.cwd ?? null,
      host: first.meta.host,
      firstActivity: new Date(Math.min(...own.map((c) => c.firstAt))).toISOString(),
      lastActivity: new Date(Math.max(...own.map((c) => c.updatedAt))).toISOString(),
      lastModified: Math.max(...own.map((c) => c.updatedAt)),
      claudeVersion: null,
      transcriptBytes: own.reduce((n, c) => n + c.length, 0),
      label: null,
      title: null,
      customTitle: null,
      firstPrompt: null,
      gitBranch: null,
      tag: null,
      entrypoint: null,
      programmatic: false,
      prLinks: [],
      subagents: copies.length - own.length,
      archived: null,
      transcript: `deleted from ${home}, kept`
    })
  }
  return rows.sort((a, b) => ((a.lastActivity ?? "") < (b.lastActivity ?? "") ? 1 : -1))
}

const sync = async (ctx: Context): Promise<void> => {
  const policy = ctx.parsed.flags.has("--all") ? "all" : policyOf(ctx)
  if (policy === "none") {
    const out = {
      vault: "off",
      reason: 'the store\'s config says "vault": "none" (sync --all copies every transcript anyway)'
    }
    ctx.out(ctx.json ? JSON.stringify(out) : human(out))
    return
  }
  const summary = await keepPerPolicy(ctx, policy)
  const out = { policy, ...summary, problems: summary.problems.length }
  ctx.out(ctx.json ? JSON.stringify(out) : human(out))
}

interface CopyRow {
  readonly claudeSessionId: string
  readonly file: string
  readonly stableId: string | null
  readonly bytes: number
  readonly chunks: number
  readonly generation: number
  readonly transcript: "here" | "deleted"
  readonly host: string
  readonly cwd: string | null
  readonly updatedAt: string
  readonly damaged?: string
}

const ls = async (ctx: Context): Promise<void> => {
  const { resolver, cache } = await ctx.open()
  await cache.ensureFresh()
  const sessions = await resolver.sessions()
  const here = transcriptsHere(cache)
  const copies = await runAsPromise((await ctx.vault()).list())
  const rows: Array<CopyRow> = copies.map((copy: VaultedTranscript) => ({
    claudeSessionId: copy.key.sessionId,
    file: copy.key.subpath === "" ? "transcript" : copy.key.subpath,
    stableId: sessions.byClaudeId.get(copy.key.sessionId)?.[0] ?? null,
    bytes: copy.length,
    chunks: copy.chunks.length,
    generation: copy.generation,
    transcript: here(copy.key) ? "here" : "deleted",
    host: copy.meta.host,
    cwd: copy.meta.cwd ?? null,
    updatedAt: new Date(copy.updatedAt).toISOString(),
    ...(copy.damaged === undefined ? {} : { damaged: copy.damaged })
  }))
  if (ctx.json) {
    for (const row of rows) ctx.out(JSON.stringify(row))
    return
  }
  if (rows.length === 0) {
    ctx.out("the vault holds no transcripts")
    return
  }
  const lines = renderTable(
    [
      { header: "CLAUDE ID", cells: rows.map((r) => r.claudeSessionId), id: { short: "CLAUDE" } },
      { header: "FILE", cells: rows.map((r) => r.file), drop: 2 },
      { header: "SIZE", cells: rows.map((r) => String(r.bytes)) },
      { header: "UPDATED", cells: rows.map((r) => r.updatedAt.slice(0, 16).replace("T", " ")), drop: 3 },
      { header: "TRANSCRIPT", cells: rows.map((r) => (r.damaged === undefined ? r.transcript : "damaged")) },
      { header: "CWD", cells: rows.map((r) => r.cwd ?? "-") }
    ],
    terminalWidth(process.stdout)
  )
  for (const line of lines) ctx.out(line)
}

const restore = async (ctx: Context, reference: string | undefined): Promise<void> => {
  if (reference === undefined) throw new CliFailure("usage", "vault restore takes a session reference")
  const { resolver, cache } = await ctx.open()
  const resolution = await resolver.resolve(reference)
  // what is here is left be: the index must know what a run just wrote
  await cache.ensureFresh()
  const home = ctx.claudeHomes[0]
  if (home === undefined) throw new CliFailure("usage", "no Claude home to restore into (--claude-home DIR)")
  const inDir = optionValue(ctx, "--in")
  const cwd = inDir === undefined ? (resolution.cwd ?? undefined) : resolve(inDir)
  const restored = await restoreMissing(await ctx.vault(), cache, home, resolution.claudeSessionIds, cwd)
  const out = {
    id: resolution.stableId,
    claudeSessionIds: resolution.claudeSessionIds,
    restored: restored.map((r) => ({ file: keyName(r.key), path: r.path, outcome: r.outcome, bytes: r.bytes }))
  }
  if (ctx.json) ctx.out(JSON.stringify(out))
  else if (restored.length === 0) ctx.out(`nothing to restore: every kept transcript of ${reference} is here`)
  else for (const r of restored) ctx.out(human({ [r.outcome]: keyName(r.key), to: r.path, bytes: r.bytes }))
}

const verify = async (ctx: Context): Promise<void> => {
  const checks = await runAsPromise(verifyVault(await ctx.vault()))
  const damaged = checks.filter((c) => c.problem !== undefined)
  for (const c of damaged)
    ctx.err(ctx.json ? JSON.stringify({ file: keyName(c.key), problem: c.problem }) : `damaged: ${c.problem}`)
  const out = {
    copies: checks.length,
    chunks: checks.reduce((n, c) => n + c.chunks, 0),
    bytes: checks.reduce((n, c) => n + c.bytes, 0),
    damaged: damaged.length
  }
  ctx.out(ctx.json ? JSON.stringify(out) : human(out))
  if (damaged.length > 0)
    throw new CliFailure("damaged", `${damaged.length} of ${checks.length} copies in the vault do not check out`, {
      printed: true
    })
}

const prune = async (ctx: Context): Promise<void> => {
  const given = optionValue(ctx, "--older-than")
  const age = given === undefined ? undefined : ageMs(given)
  if (age === undefined)
    throw new CliFailure("usage", "vault prune takes --older-than AGE (30d, 12w: copies not updated for that long)")
  const dryRun = ctx.parsed.flags.has("--dry-run")
  const vault = await ctx.vault()
  const cutoff = Date.now() - age
  const { cache } = await ctx.open()
  const here = transcriptsHere(cache)
  const old = (await runAsPromise(vault.list())).filter((copy) => copy.updatedAt < cutoff)
  for (const copy of old) if (!dryRun) await runAsPromise(vault.remove(copy.key))
  const out = {
    [dryRun ? "wouldRemove" : "removed"]: old.length,
    bytes: old.reduce((n, c) => n + c.length, 0),
    // these were all that was left of their conversations
    onlyCopies: old.filter((copy) => !here(copy.key)).length
  }
  ctx.out(ctx.json ? JSON.stringify(out) : human(out))
}

/** Each subcommand, with how many arguments it takes. */
const SUBCOMMAND_RUNS: Readonly<
  Record<string, { readonly takes: number; readonly run: (ctx: Context, argument?: string) => Promise<void> }>
> = {
  sync: { takes: 0, run: (ctx) => sync(ctx) },
  ls: { takes: 0, run: (ctx) => ls(ctx) },
  restore: { takes: 1, run: (ctx, argument) => restore(ctx, argument) },
  verify: { takes: 0, run: (ctx) => verify(ctx) },
  prune: { takes: 0, run: (ctx) => prune(ctx) }
}

export const vault = async (ctx: Context): Promise<void> => {
  const [sub, ...rest] = ctx.parsed.positionals
  const found = sub !== undefined && Object.hasOwn(SUBCOMMAND_RUNS, sub) ? SUBCOMMAND_RUNS[sub] : undefined
  if (found === undefined) throw new CliFailure("usage", `vault takes ${SUBCOMMANDS}, not ${JSON.stringify(sub ?? "")}`)
  if (rest.length > found.takes)
    throw new CliFailure("usage", `vault ${sub} takes ${found.takes === 0 ? "no arguments" : "one argument"}`)
  return found.run(ctx, rest[0])
}
