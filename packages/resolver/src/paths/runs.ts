/** Runs a plugin source knows without a Claude id (ChannelCoder's placeholders), and names such sources know. */
import type { IndexedTranscript } from "@cc/cache"
import { type ClaudeSessionId, HOST, onlyOne } from "@cc/events"
import type { SourceQuery, UnresolvedSession } from "@cc/sources"
import type { ResolverCore } from "../core.js"
import { AmbiguousSession, type InvalidReference, SessionNotFound } from "../errors.js"
import { PLAUSIBLE_NAME } from "../reference.js"
import type { Resolution } from "../resolution.js"
import { matchRun, type RunOutcome } from "../runs.js"
import { sessionsFound } from "./found.js"
import { resolveStable } from "./stable.js"
/** Matches one run without a Claude id (a plugin's `UnresolvedSession`) to its transcript. */
export const resolveRun = async (p: ResolverCore, run: UnresolvedSession): Promise<RunOutcome> => {
  const transcripts = await p.transcripts()
  // a run with a prompt is matched against the transcripts with that prompt only: a thousand
  // runs never make a thousand passes over every transcript
  if (p.state.byPrompt?.all !== transcripts) {
    const map = new Map<string, Array<IndexedTranscript>>()
    for (const t of transcripts) {
      if (t.promptHash !== undefined) map.set(t.promptHash, [...(map.get(t.promptHash) ?? []), t])
    }
    p.state.byPrompt = { all: transcripts, map }
  }
  const candidates = run.promptHash === undefined ? transcripts : (p.state.byPrompt.map.get(run.promptHash) ?? [])
  return matchRun(run, candidates, {
    ...p.matchRule(),
    onePerConversation: (candidates) => {
      const kept = new Set(
        p.chains
          .oneFromEachChain(
            candidates.map((c) => ({
              _tag: "SessionFound" as const,
              source: "transcripts",
              claudeSessionId: c.claudeSessionId,
              confidence: 1,
              evidence: "",
              ...(c.firstTimestamp === undefined ? {} : { firstTimestamp: c.firstTimestamp })
            }))
          )
          .map((f): string => f.claudeSessionId)
      )
      return candidates.filter((c) => kept.has(c.claudeSessionId))
    }
  })
}

/** Every run the plugin sources know without a Claude id, each matched to its transcript. */
export const unresolvedRuns = async (p: ResolverCore, query: SourceQuery = {}): Promise<Array<RunOutcome>> => {
  const runs = (await p.layers.ask("all", query)).filter((d): d is UnresolvedSession => d._tag === "UnresolvedSession")
  const outcomes: Array<RunOutcome> = []
  for (const run of runs) outcomes.push(await resolveRun(p, run))
  return outcomes
}

/**
 * A name that is none of our reference kinds: a label in the event log (such as
 * `channelcoder:<name>` given by `recover --adopt`), else whatever the plugin sources say it
 * stands for — their Claude ids, and their runs without one, matched to transcripts.
 */
export const resolveNamed = async (p: ResolverCore, name: string, invalid?: InvalidReference): Promise<Resolution> => {
  const world = await p.logView.world()
  const labeled = [...world.map.sessions.values()].filter((v) => v.label === name)
  const label = onlyOne(labeled)
  if (label !== undefined) return resolveStable(p, label.id, name)
  if (labeled.length > 1) {
    throw new AmbiguousSession({
      reference: name,
      candidates: labeled.map((v) => ({
        stableId: v.id,
        claudeSessionId: v.latestClaudeSessionId ?? null,
        source: "store"
      })),
      message: `${labeled.length} sessions are labeled ${name}`
    })
  }
  const searched = ["store", ...p.layers.sources.map((source) => source.name)]
  const discoveries = await p.layers.ask("all", { reference: name })
  const found = sessionsFound(discoveries)
  const runs = discoveries.filter((d): d is UnresolvedSession => d._tag === "UnresolvedSession")
  if (found.length === 0 && runs.length === 0) {
    // text that cannot be a name is a usage error, as it was before sources could know names
    if (invalid !== undefined && (p.layers.sources.length === 0 || !PLAUSIBLE_NAME.test(name))) throw invalid
    throw new SessionNotFound({
      reference: name,
      searched,
      message: `${JSON.stringify(name.slice(0, 80))} is no session id, and no source knows it (${searched.join(", ")})`
    })
  }
  searched.push("transcripts")
  const outcomes: Array<RunOutcome> = []
  for (const run of runs) outcomes.push(await resolveRun(p, run))
  const ambiguous = outcomes.find((o) => o._tag === "Ambiguous")
  if (ambiguous?._tag === "Ambiguous") {
    throw new AmbiguousSession({
      reference: name,
      candidates: ambiguous.candidates,
      message: `${ambiguous.run.placeholder} of "${ambiguous.run.reference}": ${ambiguous.reason}`
    })
  }
  const resolved = outcomes.flatMap((o) => (o._tag === "Resolved" ? [o] : []))
  const seeds = [...new Set([...found.map((f) => f.claudeSessionId), ...resolved.map((o) => o.claudeSessionId)])]
  const [firstSeed] = seeds
  if (firstSeed === undefined) {
    const reasons = outcomes.flatMap((o) => (o._tag === "Unresolved" ? [`${o.run.placeholder}: ${o.reason}`] : []))
    throw new SessionNotFound({
      reference: name,
      searched,
      message: `${name} has no Claude session id that can be told for certain: ${reasons.join("; ")}`
    })
  }
  const ids = new Set<ClaudeSessionId>()
  for (const seed of seeds) for (const id of p.chainOf(seed)) ids.add(id)
  const chain = p.oldestFirst(ids)
  const owners = [...new Set(chain.flatMap((id) => world.map.byClaudeId.get(id) ?? []))]
  const latest = chain.at(-1) ?? firstSeed
  // a seed came from a resolved run or from what a source found
  const source = resolved[0]?.run.source ?? found[0]?.source ?? "sources"
  return {
    stableId: onlyOne(owners) ?? null,
    claudeSessionIds: chain,
    latestClaudeSessionId: latest,
    forkedFrom: p.forkedFromOf(chain),
    forks: p.chains
      .component(latest)
      .links.filter((l) => l.kind === "fork")
      .map(({ from, to }) => ({ from, to })),
    cwd: p.options.cache.byClaudeId(latest)?.cwd ?? found.find((f) => f.cwd !== undefined)?.cwd ?? null,
    host: HOST,
    ...p.localTranscripts(chain),
    status: "unknown",
    resolvedBy: source,
    confidence: Math.min(...resolved.map((o) => o.confidence), ...found.map((f) => f.confidence)),
    evidence: [...resolved.map((o) => o.evidence), ...found.map((f) => f.evidence)],
    searched
  }
}
