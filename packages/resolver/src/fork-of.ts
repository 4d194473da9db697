/**
 * The one rule for a chain's fork parent, written once for the resolver and for every listing
 * (`ls --all` builds rows from a kept digest of the log, without the resolver): the chain's own
 * session's fork links first, then a fork link the transcripts found into one of its members,
 * then the session it was recorded as a fork of.
 */
import { type ClaudeSessionId, onlyOne, type StableId } from "@cc/events"
import type { ForkedFrom } from "./resolution.js"

interface LinkLike {
  readonly from: string
  readonly to: string
  readonly kind: string
}

/** What of a stable session the rule reads. */
export interface ForkFactsOfSession {
  readonly links: ReadonlyArray<LinkLike & { readonly from: ClaudeSessionId }>
  readonly forkOf: StableId | undefined
}

export interface ForkFacts {
  /** The fork links the transcripts found into a member (its own folder's). */
  readonly transcriptLinksInto?: (id: ClaudeSessionId) => ReadonlyArray<LinkLike & { readonly from: ClaudeSessionId }>
  /** A stable session's latest Claude id, if the log knows the session. */
  readonly latestOf: (id: StableId) => ClaudeSessionId | undefined
  /** The stable sessions that claim a Claude id. */
  readonly ownersOf: (id: ClaudeSessionId) => ReadonlyArray<StableId>
}

/** A fork link into the chain from outside it: the session's own events first, then the transcripts. */
export const forkLinkInto = (
  chain: ReadonlyArray<ClaudeSessionId>,
  session: ForkFactsOfSession | undefined,
  transcriptLinksInto: ForkFacts["transcriptLinksInto"]
): { readonly from: ClaudeSessionId } | undefined => {
  const members = new Set<string>(chain)
  const outside = (l: LinkLike) => l.kind === "fork" && members.has(l.to) && !members.has(l.from)
  const own = session?.links.find(outside)
  if (own !== undefined || transcriptLinksInto === undefined) return own
  // a fork and its parent share a project folder (--resume works from the session's own cwd
  // only): only the folders of the chain's own transcripts are looked in
  for (const member of chain) {
    const link = transcriptLinksInto(member).find(outside)
    if (link !== undefined) return link
  }
  return undefined
}

/** The chain's fork parent, or null when it is no fork. */
export const forkedFromIn = (
  chain: ReadonlyArray<ClaudeSessionId>,
  session: ForkFactsOfSession | undefined,
  facts: ForkFacts
): ForkedFrom | null => {
  const link = forkLinkInto(chain, session, facts.transcriptLinksInto)
  if (link === undefined)
    return session?.forkOf === undefined
      ? null
      : { claudeSessionId: facts.latestOf(session.forkOf) ?? null, stableId: session.forkOf }
  return { claudeSessionId: link.from, stableId: session?.forkOf ?? onlyOne(facts.ownersOf(link.from)) ?? null }
}
