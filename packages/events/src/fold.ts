/**
 * The fold from events to the session map.
 *
 * Every fact is kept as a join-semilattice (sets, earliest/latest-wins registers with the
 * event id as tie-break, evidence keyed by event id), so events fold to the same state in any
 * order and a replayed event changes nothing by construction: no set of every event id seen
 * has to be kept (which a million-event fold could not afford). A snapshot is the state.
 * Everything ordered (the chain, the status) is derived from that state on read.
 */
import {
  type ClaudeFact,
  type EvidenceFact,
  emptyFoldState,
  type FoldState,
  type LinkFact,
  linkKey,
  type OpenedFact,
  type RunFact,
  type SessionRecord,
  type Stamp
} from "./fold-state.js"
import type { ClaudeSessionId, StableId } from "./ids.js"
import type { KnownEvent, LinkKind, SessionEvent } from "./schema.js"
import { isKnownEvent } from "./schema.js"

interface Register<A> extends Stamp {
  readonly value: A
}

/** Evidence kept per fact: the earliest few, so memory stays bounded however often a fact is seen. */
export const MAX_EVIDENCE = 16

// --- ordering helpers: total orders so that every merge is commutative ----------------

const compareStamp = (a: Stamp, b: Stamp): number =>
  a.at < b.at ? -1 : a.at > b.at ? 1 : a.eventId < b.eventId ? -1 : a.eventId > b.eventId ? 1 : 0

const compareAt = (at: string, eventId: string, b: Stamp): number =>
  at < b.at ? -1 : at > b.at ? 1 : eventId < b.eventId ? -1 : eventId > b.eventId ? 1 : 0

/** Whether an event stamped (`at`, `eventId`) replaces `current` in an earliest-wins (-1) or latest-wins (1) register. */
const wins = (at: string, eventId: string, current: Stamp | undefined, direction: -1 | 1): boolean =>
  current === undefined || compareAt(at, eventId, current) * direction > 0

const compareString = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0)
const compareEvidence = (a: EvidenceFact, b: EvidenceFact): number => compareString(a.eventId, b.eventId)

// --- evolve ------------------------------------------------------------------------------
// The accumulator works on mutable copies of the records it touches (a 1M-event fold must not
// copy a record per event) and turns them back into sorted, immutable records at the end:
// every merge below is still a join, so the result does not depend on the order of events.

interface MutableClaude {
  readonly claudeSessionId: ClaudeSessionId
  firstSeen: string
  lastSeen: string
  confidence: number
  readonly sources: Set<string>
  readonly transcriptPaths: Set<string>
  readonly transcriptHosts: Map<string, Set<string>>
  readonly evidence: EvidenceSet
}

interface MutableLink {
  readonly from: ClaudeSessionId
  readonly to: ClaudeSessionId
  readonly kind: LinkKind
  at: string
  readonly evidence: EvidenceSet
}

interface MutableRecord {
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

const thaw = (r: SessionRecord): MutableRecord => ({
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

const freeze = (m: MutableRecord): SessionRecord => {
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
class EvidenceSet {
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

type MutableRun = { runId: string; started: RunFact["started"]; finished: RunFact["finished"] }

const runOf = (record: MutableRecord, runId: string): MutableRun => {
  let run = record.runs.get(runId)
  if (run === undefined) {
    run = { runId, started: undefined, finished: undefined }
    record.runs.set(runId, run)
  }
  return run
}

const evolveMutable = (record: MutableRecord, event: KnownEvent): void => {
  const at = event.at
  const eventId = event.id
  if (at < record.firstAt) record.firstAt = at
  if (at > record.lastAt) record.lastAt = at
  switch (event.type) {
    case "session.opened": {
      const p = event.payload
      // build the fact only when it wins: a long log mostly brings later events
      if (wins(at, eventId, record.opened, -1)) {
        record.opened = {
          at,
          eventId,
          cwd: p.cwd,
          ...(event.host === undefined ? {} : { host: event.host }),
          mode: p.mode,
          ...(p.promptHash === undefined ? {} : { promptHash: p.promptHash }),
          ...(p.logPath === undefined ? {} : { logPath: p.logPath }),
          ...(p.forkOf === undefined ? {} : { forkOf: p.forkOf })
        }
      }
      return
    }
    case "claude.observed": {
      const p = event.payload
      let fact = record.claude.get(p.claudeSessionId)
      if (fact === undefined) {
        fact = {
          claudeSessionId: p.claudeSessionId,
          firstSeen: event.at,
          lastSeen: event.at,
          confidence: p.confidence,
          sources: new Set(),
          transcriptPaths: new Set(),
          transcriptHosts: new Map(),
          evidence: new EvidenceSet()
        }
        record.claude.set(p.claudeSessionId, fact)
      }
      if (at < fact.firstSeen) fact.firstSeen = at
      if (at > fact.lastSeen) fact.lastSeen = at
      if (p.confidence > fact.confidence) fact.confidence = p.confidence
      fact.sources.add(p.source)
      if (p.transcriptPath !== undefined) {
        fact.transcriptPaths.add(p.transcriptPath)
        if (event.host !== undefined) {
          const hosts = fact.transcriptHosts.get(p.transcriptPath) ?? new Set<string>()
          hosts.add(event.host)
          fact.transcriptHosts.set(p.transcriptPath, hosts)
        }
      }
      if (fact.evidence.admits(at, eventId)) fact.evidence.add({ at, eventId, source: p.source, evidence: p.evidence })
      return
    }
    case "chain.linked": {
      const p = event.payload
      const key = linkKey(p.from, p.to, p.kind)
      let link = record.links.get(key)
      if (link === undefined) {
        link = { from: p.from, to: p.to, kind: p.kind, at: event.at, evidence: new EvidenceSet() }
        record.links.set(key, link)
      }
      if (at < link.at) link.at = at
      if (link.evidence.admits(at, eventId)) link.evidence.add({ at, eventId, source: p.source, evidence: p.evidence })
      return
    }
    case "run.started": {
      const p = event.payload
      const run = runOf(record, p.runId)
      if (wins(at, eventId, run.started, -1)) {
        run.started = {
          at,
          eventId,
          ...(p.pid === undefined ? {} : { pid: p.pid }),
          ...(p.pidStart === undefined ? {} : { pidStart: p.pidStart }),
          ...(p.supervisorPid === undefined ? {} : { supervisorPid: p.supervisorPid }),
          ...(p.supervisorStart === undefined ? {} : { supervisorStart: p.supervisorStart }),
          // the run's own host, else the host its event was written on
          ...(p.host === undefined ? (event.host === undefined ? {} : { host: event.host }) : { host: p.host }),
          ...(p.mode === undefined ? {} : { mode: p.mode }),
          ...(p.logPath === undefined ? {} : { logPath: p.logPath })
        }
      }
      return
    }
    case "run.finished": {
      const p = event.payload
      const run = runOf(record, p.runId)
      if (wins(at, eventId, run.finished, -1)) {
        run.finished = {
          at,
          eventId,
          exitCode: p.exitCode,
          ...(p.signal === undefined ? {} : { signal: p.signal }),
          ...(p.resultSubtype === undefined ? {} : { resultSubtype: p.resultSubtype }),
          ...(p.isError === undefined ? {} : { isError: p.isError }),
          ...(p.lost === undefined ? {} : { lost: p.lost })
        }
      }
      return
    }
    case "session.labeled":
      if (wins(at, eventId, record.label, 1)) record.label = { at, eventId, value: event.payload.label }
      return
    case "session.archived":
      if (wins(at, eventId, record.archived, 1)) record.archived = { at, eventId, value: event.payload.archived }
      return
  }
}

/** A mutable accumulator used by `fold`; `evolve` is the pure single-step form. */
class Accumulator {
  /** Records of the starting state not touched yet: kept as given, thawed on first touch. */
  readonly #untouched: Map<string, SessionRecord>
  /** Touched records: one lookup per event on the hot path, frozen on read. */
  readonly #live = new Map<string, MutableRecord>()
  readonly unknown: Set<string>

  constructor(state: FoldState) {
    this.#untouched = new Map(Object.entries(state.sessions))
    this.unknown = new Set(state.unknownEventIds)
  }

  apply(event: SessionEvent): void {
    if (!isKnownEvent(event)) {
      this.unknown.add(event.id)
      return
    }
    let record = this.#live.get(event.session)
    if (record === undefined) {
      const given = this.#untouched.get(event.session)
      if (given === undefined) {
        record = {
          id: event.session,
          opened: undefined,
          claude: new Map(),
          links: new Map(),
          runs: new Map(),
          label: undefined,
          archived: undefined,
          firstAt: event.at,
          lastAt: event.at
        }
      } else {
        record = thaw(given)
        this.#untouched.delete(event.session)
      }
      this.#live.set(event.session, record)
    }
    evolveMutable(record, event)
  }

  ids(): Array<string> {
    return [...this.#untouched.keys(), ...this.#live.keys()]
  }

  size(): number {
    return this.#untouched.size + this.#live.size
  }

  record(id: string): SessionRecord | undefined {
    const live = this.#live.get(id)
    return live === undefined ? this.#untouched.get(id) : freeze(live)
  }

  toState(): FoldState {
    const sessions: Record<string, SessionRecord> = {}
    for (const key of this.ids().sort()) {
      const record = this.record(key)
      if (record !== undefined) sessions[key] = record
    }
    return { version: 1, sessions, unknownEventIds: new Set(this.unknown) }
  }
}

/** One step of the fold, pure: the given state is not touched. */
export const evolve = (state: FoldState, event: SessionEvent): FoldState => {
  const acc = new Accumulator(state)
  acc.apply(event)
  return acc.toState()
}

/** Folds events onto a state (by default the empty one). Pure; resumable from any snapshot. */
export const fold = (events: Iterable<SessionEvent>, from: FoldState = emptyFoldState): FoldState => {
  const acc = new Accumulator(from)
  for (const event of events) acc.apply(event)
  return acc.toState()
}

/**
 * An incremental folder for long-lived readers (watch, resolver caches): apply events as
 * they arrive and read the state without re-folding the log.
 */
export class Folder {
  readonly #acc: Accumulator
  constructor(from: FoldState = emptyFoldState) {
    this.#acc = new Accumulator(from)
  }
  apply(events: Iterable<SessionEvent>): this {
    for (const event of events) this.#acc.apply(event)
    return this
  }
  applyOne(event: SessionEvent): this {
    this.#acc.apply(event)
    return this
  }
  record(id: string): SessionRecord | undefined {
    return this.#acc.record(id)
  }
  /** How many sessions it holds. */
  size(): number {
    return this.#acc.size()
  }
  records(): Array<SessionRecord> {
    return this.#acc.ids().flatMap((id) => this.#acc.record(id) ?? [])
  }
  state(): FoldState {
    return this.#acc.toState()
  }
}
