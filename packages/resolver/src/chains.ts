/**
 * A chain's order, as every command reads it: the links recorded in the event log and those
 * the transcript index found (a 1.0.x summary's `leafUuid`), then each member's first entry in
 * its transcript (else when the log first saw it), through `orderChainMembers`, the one rule.
 */
import type { TranscriptCache } from "@cc/cache"
import { type ChainLinkLike, type ClaudeSessionId, orderChainMembers, type SessionView } from "@cc/events"

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
