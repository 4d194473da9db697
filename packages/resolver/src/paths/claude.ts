/** A Claude session id: who claims it in our log, else its chain in the transcripts, else history and jobs. */
import { dirname } from "node:path"
import { type ClaudeSessionId, HOST, onlyOne } from "@cc/events"
import { collectPromise, historyPromiseSource, jobsPromiseSource, type SessionFound } from "@cc/sources"
import type { ResolverCore } from "../core.js"
import { AmbiguousSession, SessionNotFound } from "../errors.js"
import type { Resolution } from "../resolution.js"
import { aggregate } from "./found.js"
export const resolveClaude = async (
  p: ResolverCore,
  id: ClaudeSessionId,
  reference: string = id
): Promise<Resolution> => {
  const owners = await p.logView.owners(id)
  const owner = onlyOne(owners)
  // reading who claims it read the claimant's events too: that view is used as it is
  const view = owner === undefined ? undefined : (p.logView.knownView(owner) ?? (await p.logView.view(owner)))
  if (view !== undefined) return p.fromView(view, "store", ["store"], ["event log"])
  if (owners.length > 1) {
    throw new AmbiguousSession({
      reference,
      candidates: owners.map((owner) => ({ stableId: owner, claudeSessionId: id, source: "store" })),
      message: `Claude session ${id} is claimed by ${owners.length} stable sessions`
    })
  }
  const searched = ["store", "transcripts"]
  // cold: read only the folder that holds this id (chains never leave their project folder)
  const cache = p.options.cache
  if (!cache.refreshed) {
    // a known id's folder is read again too (one stat per file): a 1.0.x resume made since
    // then is a new file there, a new member of this id's chain
    const known = cache.byClaudeId(id)
    const folders =
      known === undefined
        ? await cache.foldersOf(id)
        : cache.folderHasNewFiles(dirname(known.path))
          ? [dirname(known.path)]
          : []
    if (folders.length > 0) await cache.refreshFolders(folders)
    if (cache.byClaudeId(id) === undefined) await p.transcripts()
  }
  if (p.options.cache.byClaudeId(id) !== undefined) {
    // a chain member we already know makes the whole chain ours (a resume made elsewhere)
    const { ids } = p.chains.component(id)
    const world = await p.logView.world()
    const known = [...new Set(ids.flatMap((member) => world.map.byClaudeId.get(member) ?? []))]
    const knownOwner = onlyOne(known)
    if (knownOwner !== undefined) return p.adoptFromTranscripts(knownOwner, id, searched, "transcripts")
    return p.fromTranscripts(id, "transcripts", searched, null, 1)
  }
  searched.push("history", "jobs")
  const homes = p.options.claudeHomes
  const cheap = [
    ...(await collectPromise(historyPromiseSource({ roots: homes }), { claudeSessionId: id })),
    ...(await collectPromise(jobsPromiseSource({ roots: homes }), { claudeSessionId: id }))
  ].filter((d): d is SessionFound => d._tag === "SessionFound")
  const first = aggregate(cheap)[0]
  if (first !== undefined) {
    return {
      stableId: null,
      claudeSessionIds: [id],
      latestClaudeSessionId: id,
      forks: [],
      forkedFrom: null,
      cwd: first.cwd ?? null,
      host: HOST,
      transcripts: [],
      transcriptHosts: {},
      status: "unknown",
      resolvedBy: first.source === "jobs" ? "jobs" : "history",
      confidence: first.confidence,
      evidence: [first.evidence],
      searched
    }
  }
  throw new SessionNotFound({ reference, searched, message: `no Claude session ${id} in ${searched.join(", ")}` })
}
