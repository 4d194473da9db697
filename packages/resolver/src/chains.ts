/**
 * A chain's order, as every command reads it: the links recorded in the event log and those
 * the transcript index found (a 1.0.x summary's `leafUuid`), then each member's first entry in
 * its transcript (else when the log first saw it), through `orderChainMembers`, the one rule.
 */
import type { TranscriptCache } from "@cc/cache"
import { type ChainLinkLike, type ClaudeSessionId, orderChainMembers, type SessionView } from "@cc/events"
import type { SessionFound } from "@cc/sources"
import { forkLinkInto } from "./fork-of.js"

/** Orders chain members with the event log's links and the transcript index's. */
export const orderWithTranscripts = (
  ids: Iterable<ClaudeSessionId>,
  recordedLinks: ReadonlyArray<ChainLinkLike>,
  cache: TranscriptCache,
  recordedTime: (id: ClaudeSessionId) => string | undefined = () => undefined
): Array<ClaudeSessionId> => {
  const members = [...ids]
  const links: Array<ChainLinkLike> = [...recordedLinks]
  for (const id of members) links.push(...cache.linksInto(id))
  return orderChainMembers(members, links, (id) => cache.byClaudeId(id)?.firstTimestamp ?? recordedTime(id))
}

/**
 * A stable session's view with its chain in the one order: a session adopted or recorded
 * without its links (by an older version, say) still resumes its latest member.
 */
export const viewInChainOrder = (view: SessionView, cache: TranscriptCache): SessionView => {
  if (view.claudeSessionIds.length < 2) return view
  const chain = orderWithTranscripts(view.claudeSessionIds, view.links, cache, (id) => view.provenance[id]?.firstSeen)
  if (chain.every((id, i) => id === view.claudeSessionIds[i])) return view
  return { ...view, claudeSessionIds: chain, latestClaudeSessionId: chain.at(-1) }
}

/** A link of a chain as the resolver records it (`chain.linked`). */
export interface ChainLink {
  readonly from: ClaudeSessionId
  readonly to: ClaudeSessionId
  readonly kind: "resume" | "fork" | "continue" | "compact"
  readonly source: string
  readonly evidence: string
}

/**
 * The chains of the transcript index: which sessions are one conversation (a component over
 * resume, continue and compact links; a fork is a chain of its own that names its parent).
 */
export class ChainGraph {
  #linkGraph: { links: ReadonlyArray<unknown>; touching: Map<string, Array<number>> } | undefined

  constructor(readonly cache: TranscriptCache) {}

  /** The chain (component over resume/continue/compact links) that holds `seed`, with forks. */
  component(seed: ClaudeSessionId): {
    ids: Array<ClaudeSessionId>
    links: Array<{
      from: ClaudeSessionId
      to: ClaudeSessionId
      kind: "resume" | "fork" | "continue" | "compact"
      source: string
      evidence: string
    }>
  } {
    const links = this.cache.links()
    // the links by the sessions they touch, made once per index state: `recover` asks this of
    // every transcript, and a scan of every link per question would make it quadratic
    if (this.#linkGraph?.links !== links) {
      const touching = new Map<string, Array<number>>()
      links.forEach((l, i) => {
        for (const id of [l.from, l.to]) {
          const near = touching.get(id)
          if (near === undefined) touching.set(id, [i])
          else near.push(i)
        }
      })
      this.#linkGraph = { links, touching }
    }
    const { touching } = this.#linkGraph
    const members = new Set<ClaudeSessionId>([seed])
    const queue: Array<ClaudeSessionId> = [seed]
    const near = new Set<number>()
    for (let id = queue.pop(); id !== undefined; id = queue.pop()) {
      for (const i of touching.get(id) ?? []) {
        near.add(i)
        const l = links[i]
        if (l === undefined || l.kind === "fork") continue
        for (const other of [l.from, l.to]) {
          if (!members.has(other)) {
            members.add(other)
            queue.push(other)
          }
        }
      }
    }
    // links out of the chain (its resumes, and forks of it), and a fork link into it: a fork
    // adopted from the transcripts then knows its parent from its own events
    const relevant = [...near]
      .sort((a, b) => a - b)
      .flatMap((i) => links[i] ?? [])
      .filter((l) => members.has(l.from) || (l.kind === "fork" && members.has(l.to)))
    return {
      ids: [...members],
      links: relevant.map((l) => ({
        from: l.from,
        to: l.to,
        kind: l.kind,
        source: "transcripts",
        evidence: l.evidence
      }))
    }
  }

  /**
   * Collapses candidates to one per chain (its earliest member: a 1.0.x resume of a candidate
   * is the same conversation) and drops forks of another candidate (a fork copies the first
   * prompt but is not the session that was started then).
   */
  oneFromEachChain(found: ReadonlyArray<SessionFound>): Array<SessionFound> {
    const links = this.cache.links()
    const ids = new Set<string>(found.map((f) => f.claudeSessionId))
    const forkOfCandidate = new Set(links.filter((l) => l.kind === "fork" && ids.has(l.from)).map((l) => l.to))
    const byChain = new Map<string, SessionFound>()
    for (const f of found) {
      if (forkOfCandidate.has(f.claudeSessionId)) continue
      const key = [...this.component(f.claudeSessionId).ids].sort()[0] ?? f.claudeSessionId
      const previous = byChain.get(key)
      if (previous === undefined || (f.firstTimestamp ?? "") < (previous.firstTimestamp ?? "")) byChain.set(key, f)
    }
    return [...byChain.values()]
  }

  /** A fork link into the chain from outside it (`forkLinkInto`, the one rule), the transcripts' links read from the index. */
  forkLinkInto(
    chain: ReadonlyArray<ClaudeSessionId>,
    view: SessionView | undefined,
    options: { readonly transcripts?: boolean }
  ): { readonly from: ClaudeSessionId } | undefined {
    return forkLinkInto(chain, view, options.transcripts === false ? undefined : (id) => this.cache.linksInto(id))
  }
}
