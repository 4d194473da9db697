/**
 * `cc-session recover [--adopt]`: the sessions the store does not know — Claude's transcripts
 * with no stable id, and runs that plugin sources know without a Claude id (ChannelCoder's
 * `detached-<ms>` and `pending`), each tied to the transcript it resolved to. `--adopt` gives
 * each a stable id (a placeholder's labeled `channelcoder:<name>`).
 */
import {
  type ClaudeSessionId,
  isClaudeSessionId,
  makeEvent,
  newStableId,
  type SessionEvent,
  type StableId
} from "@cc/events"
import type { RunOutcome } from "@cc/resolver"
import { type Context, human } from "../context.js"

const placeholderRow = (outcome: RunOutcome, chain: ReadonlyArray<ClaudeSessionId>): Record<string, unknown> => {
  const run = outcome.run
  return {
    id: null,
    source: run.source,
    ...(run.source === "channelcoder" ? { channelCoderSession: run.reference } : { reference: run.reference }),
    label: run.label ?? null,
    placeholder: run.placeholder,
    path: run.path ?? null,
    cwd: run.cwd ?? null,
    firstTimestamp: run.startedAt ?? null,
    claudeSessionIds: chain,
    latestClaudeSessionId: chain.at(-1) ?? null,
    ...(outcome._tag === "Resolved" ? { confidence: outcome.confidence, evidence: outcome.evidence } : {}),
    ...(outcome._tag === "Ambiguous" ? { ambiguous: outcome.reason, candidates: outcome.candidates } : {}),
    ...(outcome._tag === "Unresolved" ? { unresolved: outcome.reason } : {})
  }
}

export const recover = async (ctx: Context): Promise<void> => {
  const opened = await ctx.open()
  const adopt = ctx.parsed.flags.has("--adopt")
  const { resolver, cache, log } = opened
  await cache.ensureFresh()
  const read = () => resolver.sessions()
  let map = await read()
  const rows: Array<Record<string, unknown>> = []
  const claimed = new Set<string>()

  // runs without a Claude id first: the transcripts they resolve to are theirs, not strays
  const outcomes = await resolver.unresolvedRuns()
  const byLabel = new Map<string, Array<{ outcome: RunOutcome; chain: Array<ClaudeSessionId> }>>()
  for (const outcome of outcomes) {
    const chain = outcome._tag === "Resolved" ? resolver.chainOf(outcome.claudeSessionId) : []
    for (const id of chain) claimed.add(id)
    const key = outcome.run.label ?? `${outcome.run.source}:${outcome.run.reference}`
    byLabel.set(key, [...(byLabel.get(key) ?? []), { outcome, chain }])
  }
  const labeled = new Map<string, StableId>()
  for (const v of map.sessions.values()) if (v.label !== undefined) labeled.set(v.label, v.id)
  for (const [label, runs] of byLabel) {
    let stableId: StableId | null = labeled.get(label) ?? null
    const resolved = runs.filter((r) => r.outcome._tag === "Resolved")
    const [first] = resolved
    if (adopt && stableId === null && first !== undefined) {
      // one stable id per session record: its runs are one conversation to ChannelCoder
      const id = newStableId()
      const [firstId] = first.chain
      const firstTranscript = firstId === undefined ? undefined : cache.byClaudeId(firstId)
      const events: Array<SessionEvent> = [
        makeEvent(
          "session.opened",
          id,
          {
            cwd: first.outcome.run.cwd ?? firstTranscript?.cwd ?? "/",
            mode: "detached",
            ...(first.outcome.run.promptHash === undefined ? {} : { promptHash: first.outcome.run.promptHash })
          },
          first.outcome.run.startedAt === undefined ? {} : { at: first.outcome.run.startedAt }
        ),
        makeEvent("session.labeled", id, { label })
      ]
      await log.append(events)
      // each chain with its links and its transcripts' times: the fold then orders it as they do
      for (const { outcome } of resolved) {
        if (outcome._tag !== "Resolved") continue
        await resolver.adopt(id, outcome.claudeSessionId, {
          resolvedBy: outcome.run.source,
          evidence: `${outcome.run.placeholder} of ${outcome.run.reference}: ${outcome.evidence}`,
          confidence: outcome.confidence
        })
      }
      stableId = id
    }
    for (const { outcome, chain } of runs) rows.push({ ...placeholderRow(outcome, chain), id: stableId })
  }
  if (adopt) map = await read()

  // then the transcripts nobody owns
  const owned = new Set<string>(map.byClaudeId.keys())
  const seen = new Set<string>(claimed)
  for (const t of [...cache.all()].sort((a, b) => ((a.firstTimestamp ?? "") < (b.firstTimestamp ?? "") ? -1 : 1))) {
    if (owned.has(t.claudeSessionId) || seen.has(t.claudeSessionId)) continue
    const r = await resolver.resolve(t.claudeSessionId)
    for (const id of r.claudeSessionIds) seen.add(id)
    if (r.stableId !== null) continue
    let id: StableId | null = null
    if (adopt) {
      id = newStableId()
      const events: Array<SessionEvent> = [
        makeEvent(
          "session.opened",
          id,
          {
            cwd: r.cwd ?? "/",
            mode: "interactive",
            ...(t.promptHash === undefined ? {} : { promptHash: t.promptHash })
          },
          t.firstTimestamp === undefined ? {} : { at: t.firstTimestamp }
        )
      ]
      await log.append(events)
      // a transcript named otherwise than a Claude id cannot be resumed by one: left unadopted
      if (isClaudeSessionId(t.claudeSessionId))
        await resolver.adopt(id, t.claudeSessionId, {
          resolvedBy: "recover",
          evidence: `adopted by recover: ${t.path}`,
          confidence: 1
        })
    }
    rows.push({
      id,
      source: "transcripts",
      claudeSessionIds: r.claudeSessionIds,
      latestClaudeSessionId: r.latestClaudeSessionId,
      cwd: r.cwd,
      firstTimestamp: t.firstTimestamp ?? null
    })
  }
  if (ctx.json) ctx.out(JSON.stringify(rows))
  else for (const row of rows) ctx.out(`${human(row)}\n`)
}
