/**
 * The one order of a Claude session chain, used by the fold, the resolver, every listing and
 * every launch: first by its links (a 1.0.x resume's summary `leafUuid`, a resume or continue
 * recorded by cc-session, a `continued-in` hand-off), then by time, then by id. Forks are not
 * chain links: a fork is a branch, never the chain's next member.
 *
 * Time alone is not enough: a 1.0.x resume copies its predecessor's history (timestamps
 * included, in some versions), and ids say nothing of age. Links are facts; time only breaks ties.
 */

export interface ChainLinkLike {
  readonly from: string
  readonly to: string
  readonly kind: string
}

/** A member's time as an ISO string, or undefined when unknown (such members sort last). */
export type TimeOf<Id extends string = string> = (id: Id) => string | undefined

const UNKNOWN = "~"

const byString = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0)

/**
 * Orders a chain's members: a topological order of the non-fork links among them, ready
 * members taken earliest first (unknown time last), then by id. Members of a cycle (only
 * contradictory evidence makes one) come after the rest, in the same tie order.
 */
export const orderChainMembers = <Id extends string>(
  members: Iterable<Id>,
  links: Iterable<ChainLinkLike>,
  timeOf: TimeOf<Id>
): Array<Id> => {
  const ids = [...new Set(members)]
  const inChain = new Map<string, Id>(ids.map((id) => [id, id]))
  const time = new Map<string, string>()
  for (const id of ids) time.set(id, timeOf(id) ?? UNKNOWN)
  const priority = (a: string, b: string): number =>
    byString(time.get(a) ?? UNKNOWN, time.get(b) ?? UNKNOWN) || byString(a, b)
  const indegree = new Map<string, number>()
  const next = new Map<string, Array<Id>>()
  for (const id of ids) indegree.set(id, 0)
  const seen = new Set<string>()
  for (const link of links) {
    const to = inChain.get(link.to)
    if (link.kind === "fork" || link.from === link.to) continue
    if (!inChain.has(link.from) || to === undefined) continue
    // the same link recorded twice (by events and by the transcripts) counts once
    const key = `${link.from}>${link.to}`
    if (seen.has(key)) continue
    seen.add(key)
    indegree.set(to, (indegree.get(to) ?? 0) + 1)
    const list = next.get(link.from)
    if (list === undefined) next.set(link.from, [to])
    else list.push(to)
  }
  const ready = ids.filter((id) => indegree.get(id) === 0)
  const order: Array<Id> = []
  const done = new Set<string>()
  for (let id = ready.sort(priority).shift(); id !== undefined; id = ready.sort(priority).shift()) {
    order.push(id)
    done.add(id)
    for (const to of next.get(id) ?? []) {
      const d = (indegree.get(to) ?? 0) - 1
      indegree.set(to, d)
      if (d === 0) ready.push(to)
    }
  }
  const rest = ids.filter((id) => !done.has(id)).sort(priority)
  return [...order, ...rest]
}
