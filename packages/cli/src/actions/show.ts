/** `show`, `resolve`, `token`: one session, as the store and the layers below it tell. */
import { basename } from "node:path"
import { runAsPromise, type SessionView, stableIdOf } from "@cc/events"
import {
  AmbiguousSession,
  chainRecords,
  encodeToken,
  type ForkedFrom,
  type Resolution,
  SessionNotFound
} from "@cc/resolver"
import { transcriptsHere } from "@cc/vault-keeper"
import { CliFailure, type Context, firstPositional, human } from "../context.js"

const forkedFromText = (f: ForkedFrom | null) =>
  f === null ? null : `${f.claudeSessionId ?? "?"}${f.stableId === null ? "" : ` (${f.stableId})`}`

/** What `show` and `ls` print of a session the store knows. */
export const showObject = (
  view: SessionView,
  forkedFrom: ForkedFrom | null,
  extraTranscripts: ReadonlyArray<string> = [],
  transcriptHosts: Readonly<Record<string, ReadonlyArray<string>>> = view.transcriptHosts
) => {
  const transcripts = [...new Set([...view.transcripts, ...extraTranscripts])].sort()
  return {
    id: view.id,
    cwd: view.cwd ?? null,
    host: view.host ?? null,
    hosts: view.hosts,
    status: view.status,
    claudeSessionIds: view.claudeSessionIds,
    latestClaudeSessionId: view.latestClaudeSessionId ?? null,
    forkedFrom,
    forks: view.forks.map(({ from, to }) => ({ from, to })),
    transcripts,
    transcriptHosts: Object.fromEntries(transcripts.map((path) => [path, transcriptHosts[path] ?? []])),
    runs: view.runs.map((run) => ({
      runId: run.runId,
      host: run.started?.host ?? null,
      startedAt: run.started?.at ?? null,
      finishedAt: run.finished?.at ?? null
    })),
    createdAt: view.createdAt,
    ...(view.label === undefined ? {} : { label: view.label })
  }
}

const showFromResolution = (r: Resolution) => ({
  id: r.stableId,
  cwd: r.cwd,
  host: r.host,
  status: r.status,
  claudeSessionIds: r.claudeSessionIds,
  latestClaudeSessionId: r.latestClaudeSessionId,
  forkedFrom: r.forkedFrom,
  forks: r.forks,
  transcripts: r.transcripts,
  transcriptHosts: r.transcriptHosts,
  runs: [],
  createdAt: null
})

type Printed = Record<string, unknown> & {
  forkedFrom: ForkedFrom | null
  transcripts?: ReadonlyArray<string>
  transcriptHosts?: Readonly<Record<string, ReadonlyArray<string>>>
  runs?: ReadonlyArray<{ runId: string; host: string | null }>
}

// a person reads each transcript and run with the host it is on; a script reads the JSON maps
const print = (ctx: Context, o: Printed) => {
  if (ctx.json) return ctx.out(JSON.stringify(o))
  const { transcriptHosts, ...rest } = o
  const on = (hosts: ReadonlyArray<string> | undefined | null) =>
    hosts === undefined || hosts === null || hosts.length === 0 ? "" : ` (on ${hosts.join(", ")})`
  ctx.out(
    human({
      ...rest,
      forkedFrom: forkedFromText(o.forkedFrom),
      ...(o.transcripts === undefined
        ? {}
        : { transcripts: o.transcripts.map((path) => `${path}${on(transcriptHosts?.[path])}`) }),
      ...(o.runs === undefined
        ? {}
        : { runs: o.runs.map((run) => `${run.runId}${on(run.host === null ? [] : [run.host])}`) })
    })
  )
}

export const show = async (ctx: Context): Promise<void> => {
  const ref = firstPositional(ctx.parsed)
  const { resolver, cache } = await ctx.open()
  const resolveIt = () =>
    resolver.resolve(ref).catch((error: unknown) => {
      if (error instanceof SessionNotFound) return error
      throw error
    })
  const first = await resolveIt()
  if (first instanceof SessionNotFound) {
    // a session we launched whose Claude id is not known yet is shown as it is, not "not found"
    const asStable = stableIdOf(ref.trim().toLowerCase())
    const pending = asStable === undefined ? undefined : await resolver.settle(asStable)
    if (pending === undefined) throw first
    return print(ctx, showObject(pending, await resolver.forkedFrom(pending.claudeSessionIds, pending)))
  }
  // the transcripts it lists: a member whose file the index does not know yet (a run just made
  // it) is looked for in the project folders, not by surveying every transcript
  let r = first
  const unseen = r.claudeSessionIds.filter((id) => !first.transcripts.some((path) => basename(path) === `${id}.jsonl`))
  if (unseen.length > 0) {
    const folders = new Set((await Promise.all(unseen.map((id) => cache.foldersOf(id)))).flat())
    if (folders.size > 0) {
      await cache.refreshFolders([...folders])
      const again = await resolveIt()
      if (again instanceof SessionNotFound) throw again
      r = again
    }
  }
  // after resolving: resolution may have appended what it found; settling makes the status true
  const view = r.stableId === null ? undefined : await resolver.settle(r.stableId)
  // what Claude and the SDK recorded of the chain (title, tag, archive mark…), as ls --all has it
  const members = r.claudeSessionIds.flatMap((id) => cache.byClaudeId(id) ?? [])
  const { title, tag, archived, entrypoint } = chainRecords(members)
  print(ctx, {
    ...(view === undefined ? showFromResolution(r) : showObject(view, r.forkedFrom, r.transcripts, r.transcriptHosts)),
    title,
    tag,
    archived,
    entrypoint,
    ...(await keptOf(ctx, r))
  })
}

/**
 * What the vault holds of the chain, and so whether Claude's cleanup took the latest
 * transcript: `transcript` says "here", "deleted from <home>, kept" or "not on this host".
 */
const keptOf = async (ctx: Context, r: Resolution) => {
  const { cache } = await ctx.open()
  const here = transcriptsHere(cache)
  const vault = await ctx.vault().catch((error: unknown) => {
    ctx.warn(`the vault could not be read: ${error instanceof Error ? error.message : String(error)}`)
    return undefined
  })
  if (vault === undefined) return {}
  const copies = (
    await Promise.all(r.claudeSessionIds.map((id) => runAsPromise(vault.list({ sessionId: id })).catch(() => [])))
  ).flat()
  const kept = copies.map((copy) => ({
    claudeSessionId: copy.key.sessionId,
    file: copy.key.subpath === "" ? "transcript" : copy.key.subpath,
    bytes: copy.length,
    transcript: here(copy.key) ? ("here" as const) : ("deleted" as const)
  }))
  const latest = r.latestClaudeSessionId
  if (latest === null) return { kept }
  const latestKey = { sessionId: latest, subpath: "" }
  const latestHere = here(latestKey)
  const home = r.transcripts.find((path) => basename(path) === `${latest}.jsonl`)
  const inHome = ctx.claudeHomes.find((h) => home?.startsWith(`${h}/`)) ?? ctx.claudeHomes[0] ?? "the Claude home"
  const latestKept = kept.some((k) => k.claudeSessionId === latest && k.file === "transcript")
  return {
    transcript: latestHere ? "here" : latestKept ? `deleted from ${inHome}, kept` : "not on this host",
    kept
  }
}

export const resolveCommand = async (ctx: Context): Promise<void> => {
  const ref = firstPositional(ctx.parsed)
  const { resolver } = await ctx.open()
  try {
    const r = await resolver.resolve(ref)
    const status = r.stableId === null ? r.status : ((await resolver.settle(r.stableId))?.status ?? r.status)
    print(ctx, {
      id: r.stableId,
      cwd: r.cwd,
      host: r.host,
      status,
      claudeSessionIds: r.claudeSessionIds,
      latestClaudeSessionId: r.latestClaudeSessionId,
      forkedFrom: r.forkedFrom,
      resolvedBy: r.resolvedBy,
      confidence: r.confidence
    })
  } catch (error) {
    if (!(error instanceof AmbiguousSession)) throw error
    print(ctx, {
      id: null,
      cwd: null,
      host: null,
      status: null,
      claudeSessionIds: [],
      latestClaudeSessionId: null,
      forkedFrom: null,
      resolvedBy: null,
      confidence: 0,
      candidates: error.candidates
    })
    throw new CliFailure("ambiguous", error.message, { candidates: error.candidates, printed: true })
  }
}

export const token = async (ctx: Context): Promise<void> => {
  const ref = firstPositional(ctx.parsed)
  const { resolver, cache } = await ctx.open()
  const r = await resolver.resolve(ref)
  const view = r.stableId === null ? undefined : (await resolver.sessions()).sessions.get(r.stableId)
  const first = r.claudeSessionIds[0]
  const t = first === undefined ? undefined : cache.byClaudeId(first)
  const startedAt = view?.createdAt ?? t?.firstTimestamp
  const promptHash = view?.promptHash ?? t?.promptHash
  const cwd = view?.cwd ?? t?.cwd ?? r.cwd
  if (startedAt === undefined || promptHash === undefined || cwd === null || cwd === undefined) {
    throw new CliFailure("not_found", `no start time, cwd and first-prompt hash known for ${ref}: cannot make a token`)
  }
  const value = encodeToken({
    startedAt: new Date(startedAt),
    cwd,
    promptHash,
    ...(r.stableId === null ? {} : { stableId: r.stableId })
  })
  ctx.out(ctx.json ? JSON.stringify({ token: value }) : value)
}
