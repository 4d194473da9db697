/**
 * A session record while the fold works on it: mutable copies of the facts it touches (a
 * 1M-event fold must not copy a record per event), made from an immutable record (`thaw`) and
 * turned back into one, sorted, at the end (`freeze`); and the total orders every merge uses,
 * so the result does not depend on the order events came in.
 */
import type { ClaudeFact, EvidenceFact, LinkFact, OpenedFact, RunFact, SessionRecord, Stamp } from "./fold-state.js"
import type { ClaudeSessionId, StableId } from "./ids.js"
import type { LinkKind } from "./schema.js"

export interface Register<A> extends Stamp {
  readonly value: A
}

/** Evidence kept per fact: the earliest few, so memory stays bounded however often a fact is seen. */
export const MAX_EVIDENCE = 16

// --- ordering helpers: total orders so that every merge is commutative ----------------

export const compareStamp = (a: Stamp, b: Stamp): number =>
  a.at < b.at ? -1 : a.at > b.at ? 1 : a.eventId < b.eventId ? -1 : a.eventId > b.eventId ? 1 : 0

export const compareAt = (at: string, eventId: string, b: Stamp): number =>
  at < b.at ? -1 : at > b.at ? 1 : eventId < b.eventId ? -1 : eventId > b.eventId ? 1 : 0

/** Whether an event stamped (`at`, `eventId`) replaces `current` in an earliest-wins (-1) or latest-wins (1) register. */
export const wins = (at: string, eventId: string, current: Stamp | undefined, direction: -1 | 1): boolean =>
  current === undefined || compareAt(at, eventId, current) * direction > 0

export const compareString = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0)
const compareEvidence = (a: EvidenceFact, b: EvidenceFact): number => compareString(a.eventId, b.eventId)

// --- evolve ------------------------------------------------------------------------------
// The accumulator works on mutable copies of the records it touches (a 1M-event fold must not
// copy a record per event) and turns them back into sorted, immutable records at the end:
// every merge below is still a join, so the result does not depend on the order of events.

export interface MutableClaude {
  readonly claudeSessionId: ClaudeSessionId
  firstSeen: string
  lastSeen: string
  confidence: number
  readonly sources: Set<string>
  readonly transcriptPaths: Set<string>
  readonly transcriptHosts: Map<string, Set<string>>
  readonly evidence: EvidenceSet
}

export interface MutableLink {
  readonly from: ClaudeSessionId
  readonly to: ClaudeSessionId
  readonly kind: LinkKind
  at: string
  readonly evidence: EvidenceSet
}

export interface MutableRecord {
  readonly id: StableId
  opened: OpenedFact | undefined
  readonly claude: Map<string, MutableClaude>
  readonly links: Map<string, MutableLink>
  readonly runs: Map<string, MutableRun>
  label: Register<string> | undefined
  archived: Register<boolean> | undefined
  firstAt: string
  lastAt: string
}

export const thaw = (r: SessionRecord): MutableRecord => ({
  id: r.id,
  opened: r.opened,
  claude: new Map(
    Object.entries(r.claude).map(([k, c]) => [
      k,
      {
        claudeSessionId: c.claudeSessionId,
        firstSeen: c.firstSeen,
        lastSeen: c.lastSeen,
        confidence: c.confidence,
        sources: new Set(c.sources),
        transcriptPaths: new Set(c.transcriptPaths),
        transcriptHosts: new Map(
          Object.entries(c.transcriptHosts ?? {}).map(([path, hosts]) => [path, new Set(hosts)])
        ),
        evidence: new EvidenceSet(c.evidence)
      }
    ])
  ),
  links: new Map(
    Object.entries(r.links).map(([k, l]) => [
      k,
      { from: l.from, to: l.to, kind: l.kind, at: l.at, evidence: new EvidenceSet(l.evidence) }
    ])
  ),
  runs: new Map(
    Object.entries(r.runs).map(([k, run]) => [k, { runId: run.runId, started: run.started, finished: run.finished }])
  ),
  label: r.label,
  archived: r.archived,
  firstAt: r.firstAt,
  lastAt: r.lastAt
})

/** A map's entries by key: the records a fold makes do not depend on the order facts came in. */
const sortedEntries = <V>(map: ReadonlyMap<string, V>): Array<[string, V]> =>
  [...map].sort(([a], [b]) => compareString(a, b))

const sortedEvidence = (set: EvidenceSet): ReadonlyArray<EvidenceFact> => [...set.map.values()].sort(compareEvidence)

export const freeze = (m: MutableRecord): SessionRecord => {
  const claude: Record<string, ClaudeFact> = {}
  for (const [key, c] of sortedEntries(m.claude)) {
    claude[key] = {
      claudeSessionId: c.claudeSessionId,
      firstSeen: c.firstSeen,
      lastSeen: c.lastSeen,
      confidence: c.confidence,
      sources: [...c.sources].sort(compareString),
      transcriptPaths: [...c.transcriptPaths].sort(compareString),
      ...(c.transcriptHosts.size === 0
        ? {}
        : {
            transcriptHosts: Object.fromEntries(
              sortedEntries(c.transcriptHosts).map(([path, hosts]) => [path, [...hosts].sort(compareString)])
            )
          }),
      evidence: sortedEvidence(c.evidence)
    }
  }
  const links: Record<string, LinkFact> = {}
  for (const [key, l] of sortedEntries(m.links)) {
    links[key] = { from: l.from, to: l.to, kind: l.kind, at: l.at, evidence: sortedEvidence(l.evidence) }
  }
  const runs: Record<string, RunFact> = {}
  for (const [key, run] of sortedEntries(m.runs)) {
    runs[key] = {
      runId: run.runId,
      ...(run.started === undefined ? {} : { started: run.started }),
      ...(run.finished === undefined ? {} : { finished: run.finished })
    }
  }
  return {
    id: m.id,
    ...(m.opened === undefined ? {} : { opened: m.opened }),
    claude,
    links,
    runs,
    ...(m.label === undefined ? {} : { label: m.label }),
    ...(m.archived === undefined ? {} : { archived: m.archived }),
    firstAt: m.firstAt,
    lastAt: m.lastAt
  }
}

/** The MAX_EVIDENCE earliest pieces of evidence (a min-k set: still a join). */
export class EvidenceSet {
  readonly map = new Map<string, EvidenceFact>()
  /** The latest kept: once full, anything not earlier is refused with one comparison. */
  #latest: EvidenceFact | undefined

  constructor(initial: Iterable<EvidenceFact> = []) {
    for (const fact of initial) this.add(fact)
  }

  /** Whether evidence stamped so would be kept: checked before building it, most is refused. */
  admits(at: string, eventId: string): boolean {
    return this.map.size < MAX_EVIDENCE || this.#latest === undefined || compareAt(at, eventId, this.#latest) < 0
  }

  add(fact: EvidenceFact): void {
    if (!this.admits(fact.at, fact.eventId)) return
    this.map.set(fact.eventId, fact)
    if (this.#latest === undefined || compareStamp(fact, this.#latest) > 0) this.#latest = fact
    if (this.map.size <= MAX_EVIDENCE) return
    this.map.delete(this.#latest.eventId)
    this.#latest = undefined
    for (const e of this.map.values())
      if (this.#latest === undefined || compareStamp(e, this.#latest) > 0) this.#latest = e
  }
}

export type MutableRun = { runId: string; started: RunFact["started"]; finished: RunFact["finished"] }
