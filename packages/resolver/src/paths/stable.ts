/** A stable id: our log, then the detached run's log, history and jobs, the transcripts, the plugin sources. */
import { transcriptToDiscovery } from "@cc/cache"
import type { StableId } from "@cc/events"
import {
  collectPromise,
  detachedLogPromiseSource,
  historyPromiseSource,
  jobsPromiseSource,
  type SessionFound,
  type SourceQuery
} from "@cc/sources"
import type { ResolverCore } from "../core.js"
import { SessionNotFound } from "../errors.js"
import type { Resolution, ResolvedBy } from "../resolution.js"
import { aggregate, sessionsFound } from "./found.js"
export const resolveStable = async (p: ResolverCore, id: StableId, reference: string = id): Promise<Resolution> => {
  const view = await p.settle(id)
  if (view === undefined) {
    throw new SessionNotFound({
      reference,
      searched: ["store"],
      message: `no session ${id} in the event log ${p.options.log.location}`
    })
  }
  if (view.claudeSessionIds.length > 0) return p.fromView(view, "store", ["store"], ["event log"])
  const searched: Array<string> = ["store"]

  // layer 2: the detached run's sidecar and log
  if (view.logPath !== undefined) {
    searched.push("detached-log")
    const found = (await collectPromise(detachedLogPromiseSource(), { logPath: view.logPath })).filter(
      (d): d is SessionFound => d._tag === "SessionFound"
    )
    const ids = [...new Set(found.map((f) => f.claudeSessionId))]
    if (ids.length === 1) {
      const next = await p.recordAndView(id, found, [])
      return p.fromView(
        next,
        found[0]?.source === "sidecar" ? "sidecar" : "detached-log",
        searched,
        found.map((f) => f.evidence)
      )
    }
  }

  // cheap plugin sources: one that knows this stable id answers outright
  const query: SourceQuery = {
    stableId: id,
    ...(view.cwd === undefined ? {} : { cwd: view.cwd }),
    ...(view.logPath === undefined ? {} : { logPath: view.logPath })
  }
  const cheapPlugins = p.layers.of("cheap").length > 0
  if (cheapPlugins) searched.push(...p.layers.namesOf("cheap"))
  const pluginFound = cheapPlugins ? sessionsFound(await p.layers.ask("cheap", query)) : []
  const answer = await pluginAnswer(p, id, pluginFound, searched)
  if (answer !== undefined) return answer

  // a run still going whose log names no session yet is starting: its own log will say,
  // and a guess from other files now could hand it a neighbour's id
  if (view.status === "running" && view.logPath !== undefined) {
    throw new SessionNotFound({
      reference,
      searched,
      message: `session ${id} is still starting: its log ${view.logPath} names no Claude session yet`
    })
  }
  // from here on every session's claims count: the whole log is read
  const owned = new Set((await p.logView.map()).byClaudeId.keys())
  const createdAt = Date.parse(view.createdAt)

  // layer 3: history and background jobs, and plugin sources of moderate cost
  searched.push("history", "jobs", ...p.layers.namesOf("moderate"))
  const homes = p.options.claudeHomes
  const moderate = sessionsFound(await p.layers.ask("moderate", query))
  const moderateAnswer = await pluginAnswer(p, id, moderate, searched)
  if (moderateAnswer !== undefined) return moderateAnswer
  const cheap = [
    ...(await collectPromise(historyPromiseSource({ roots: homes }), view.cwd === undefined ? {} : { cwd: view.cwd })),
    ...(await collectPromise(jobsPromiseSource({ roots: homes }), view.cwd === undefined ? {} : { cwd: view.cwd }))
  ].filter((d): d is SessionFound => d._tag === "SessionFound")
  const fromCheap = p.match(view, createdAt, aggregate([...cheap, ...pluginFound, ...moderate]), owned, reference)
  if (fromCheap !== undefined) {
    // the transcript, if there is one, gives the whole chain
    const transcripts = await p.transcripts()
    if (transcripts.some((t) => t.claudeSessionId === fromCheap.claudeSessionId)) {
      return p.adoptFromTranscripts(
        id,
        fromCheap.claudeSessionId,
        [...searched, "transcripts"],
        fromCheap.source as ResolvedBy
      )
    }
    const next = await p.recordAndView(id, [fromCheap], [])
    return p.fromView(next, fromCheap.source, searched, [fromCheap.evidence])
  }

  // layer 4: transcripts
  searched.push("transcripts")
  const transcripts = (await p.transcripts()).map((t) => ({ ...t, source: "transcripts" }))
  const hit = p.match(view, createdAt, transcripts.map(transcriptToDiscovery), owned, reference)
  if (hit !== undefined) return p.adoptFromTranscripts(id, hit.claudeSessionId, searched, "transcripts")

  // expensive plugin sources last
  if (p.layers.of("expensive").length > 0) {
    searched.push(...p.layers.namesOf("expensive"))
    const expensive = sessionsFound(await p.layers.ask("expensive", query))
    const expensiveAnswer = await pluginAnswer(p, id, expensive, searched)
    if (expensiveAnswer !== undefined) return expensiveAnswer
    const fromExpensive = p.match(view, createdAt, aggregate(expensive), owned, reference)
    if (fromExpensive !== undefined) {
      const next = await p.recordAndView(id, [fromExpensive], [])
      return p.fromView(next, fromExpensive.source, searched, [fromExpensive.evidence])
    }
  }
  throw new SessionNotFound({
    reference,
    searched,
    message: `session ${id} has no Claude session id yet: nothing in ${searched.join(", ")} matches its cwd and start time`
  })
}

/** A plugin source that names this stable id itself is the answer; recorded under its name. */
const pluginAnswer = async (
  p: ResolverCore,
  id: StableId,
  found: ReadonlyArray<SessionFound>,
  searched: ReadonlyArray<string>
): Promise<Resolution | undefined> => {
  const own = found.filter((f) => f.stableId === id)
  if (own.length === 0) return undefined
  const next = await p.recordAndView(id, own, [])
  return p.fromView(
    next,
    own[0]?.source ?? "sources",
    searched,
    own.map((f) => f.evidence)
  )
}
