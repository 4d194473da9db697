/** A unique prefix of a stable or Claude id, a continuation token, the latest session of a directory. */
import { transcriptToDiscovery } from "@cc/cache"
import { type ClaudeSessionId, isClaudeSessionId, isStableId, onlyOne } from "@cc/events"
import type { ResolverCore } from "../core.js"
import { resolveClaude } from "./claude.js"
import { resolveNamed } from "./runs.js"
import { resolveStable } from "./stable.js"

/** A whole id found while resolving something else (a prefix's one match, a directory's latest). */
const resolveFound = (p: ResolverCore, id: string): Promise<Resolution> => {
  const ref = id.trim().toLowerCase()
  if (isStableId(ref)) return resolveStable(p, ref)
  if (isClaudeSessionId(ref)) return resolveClaude(p, ref)
  return resolveNamed(p, id)
}

import { AmbiguousSession, type Candidate, candidateOf, SessionNotFound } from "../errors.js"
import { fittingCandidates } from "../match.js"
import { cwdRelation } from "../repo.js"
import type { Resolution } from "../resolution.js"
import type { ContinuationToken } from "../token.js"
export const resolvePrefix = async (
  p: ResolverCore,
  prefix: string,
  reference: string = prefix
): Promise<Resolution> => {
  const world = await p.logView.world()
  await p.transcripts()
  const matches = new Map<string, Candidate>()
  for (const view of world.map.sessions.values()) {
    if (view.id.startsWith(prefix) || view.id.startsWith(`cc-session-${prefix}`)) {
      matches.set(view.id, {
        stableId: view.id,
        claudeSessionId: view.latestClaudeSessionId ?? null,
        source: "store",
        ...(view.cwd === undefined ? {} : { cwd: view.cwd })
      })
    }
  }
  const claudeIds = new Set<ClaudeSessionId>([
    ...world.map.byClaudeId.keys(),
    ...p.options.cache.all().map((t) => t.claudeSessionId)
  ])
  for (const id of claudeIds) {
    if (!id.startsWith(prefix)) continue
    const owners = world.map.byClaudeId.get(id) ?? []
    const key = onlyOne(owners) ?? id
    if (!matches.has(key))
      matches.set(key, {
        stableId: owners[0] ?? null,
        claudeSessionId: id,
        source: owners.length > 0 ? "store" : "transcripts"
      })
  }
  const only = onlyOne([...matches.keys()])
  if (only !== undefined) return resolveFound(p, only)
  if (matches.size === 0) {
    throw new SessionNotFound({
      reference,
      searched: ["store", "transcripts"],
      message: `no session id starts with ${prefix}`
    })
  }
  throw new AmbiguousSession({
    reference,
    candidates: [...matches.values()],
    message: `${matches.size} sessions start with ${prefix}: type more of the id`
  })
}

export const resolveToken = async (
  p: ResolverCore,
  token: ContinuationToken,
  reference: string
): Promise<Resolution> => {
  const searched: Array<string> = []
  if (token.stableId !== undefined) {
    searched.push("store")
    const world = await p.logView.world()
    const view = world.map.sessions.get(token.stableId)
    if (view !== undefined && view.claudeSessionIds.length > 0)
      return p.fromView(view, "store", searched, ["event log"])
  }
  searched.push("transcripts")
  const candidates = fittingCandidates(
    { startedAt: token.startedAt.getTime(), cwd: token.cwd, promptHash: { prefix: token.promptHashPrefix } },
    await p.transcripts(),
    p.matchRule()
  )
  const roots = new Map(
    p.chains.oneFromEachChain(candidates.map(transcriptToDiscovery)).map((f) => [f.claudeSessionId, f])
  )
  const root = onlyOne([...roots.values()])
  if (root !== undefined) {
    const world = await p.logView.world()
    const seed = root.claudeSessionId
    const owners = [...new Set(p.chains.component(seed).ids.flatMap((id) => world.map.byClaudeId.get(id) ?? []))]
    if (token.stableId !== undefined && owners.length === 0 && world.map.sessions.has(token.stableId)) {
      return p.adoptFromTranscripts(token.stableId, seed, searched, "token")
    }
    const resolution = await p.fromTranscripts(seed, "token", searched, onlyOne(owners) ?? token.stableId ?? null, 0.9)
    return resolution
  }
  if (roots.size > 1) {
    throw new AmbiguousSession({
      reference,
      candidates: [...roots.values()].map((t) => candidateOf(t, "transcripts")),
      message: `${roots.size} sessions match this token (same cwd, start window and first prompt)`
    })
  }
  throw new SessionNotFound({
    reference,
    searched,
    message: "no transcript matches this token's cwd, start time and first prompt"
  })
}

/** The most recently active session in `cwd` (exact cwd first, then the same repository). */
export const latestInCwd = async (p: ResolverCore, cwd: string): Promise<Resolution> => {
  const world = await p.logView.world()
  const transcripts = await p.transcripts()
  type Hit = { at: string; relation: "exact" | "repository"; ref: string }
  const hits: Array<Hit> = []
  for (const view of world.map.sessions.values()) {
    if (view.cwd === undefined) continue
    const relation = cwdRelation(cwd, view.cwd, p.relationOptions())
    if (relation !== "none") hits.push({ at: view.updatedAt, relation, ref: view.id })
  }
  for (const t of transcripts) {
    if (t.cwd === undefined) continue
    const relation = cwdRelation(cwd, t.cwd, p.relationOptions())
    if (relation !== "none")
      hits.push({ at: t.lastTimestamp ?? t.firstTimestamp ?? "", relation, ref: t.claudeSessionId })
  }
  const exact = hits.filter((h) => h.relation === "exact")
  const pool = (exact.length > 0 ? exact : hits).sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : 0))
  const best = pool[0]
  if (best === undefined)
    throw new SessionNotFound({
      reference: cwd,
      searched: ["store", "transcripts"],
      message: `no session ran in ${cwd}`
    })
  return resolveFound(p, best.ref)
}
