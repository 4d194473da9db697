/**
 * The fold from events to the session map.
 *
 * Every fact is kept as a join-semilattice (sets, earliest/latest-wins registers with the
 * event id as tie-break, evidence keyed by event id), so events fold to the same state in any
 * order and a replayed event changes nothing by construction: no set of every event id seen
 * has to be kept (which a million-event fold could not afford). A snapshot is the state.
 * Everything ordered (the chain, the status) is derived from that state on read.
 */
import { EvidenceSet, freeze, type MutableRecord, type MutableRun, thaw, wins } from "./fold-record.js"
import { emptyFoldState, type FoldState, linkKey, type SessionRecord } from "./fold-state.js"

export { MAX_EVIDENCE } from "./fold-record.js"

import type { KnownEvent, SessionEvent } from "./schema.js"
import { isKnownEvent } from "./schema.js"

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
    // what Claude's picker and the SDK read is the transcript: these say only that cc-session
    // wrote to it, and fold into nothing
    case "session.titled":
    case "session.tagged":
      return
  }
}

/** A mutable accumulator used by `fold`; `evolve` is the pure single-step form. */
class Accumulator {
  /** Records of the starting state not touched yet: kept as given, thawed on first touch. */
  readonly #untouched: Map<string, SessionRecord>
  /** Touched records: one lookup per event on the hot path, frozen on read. */
  readonly #live = new Map<string, MutableRecord>()
  /** Touched records as last frozen, until the next event of theirs: a record read twice is frozen once. */
  readonly #frozen = new Map<string, SessionRecord>()
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
    this.#frozen.delete(event.session)
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
    if (live === undefined) return this.#untouched.get(id)
    let frozen = this.#frozen.get(id)
    if (frozen === undefined) {
      frozen = freeze(live)
      this.#frozen.set(id, frozen)
    }
    return frozen
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
  /** The stable ids of the sessions it holds, without their records. */
  ids(): Array<string> {
    return this.#acc.ids()
  }
  records(): Array<SessionRecord> {
    return this.#acc.ids().flatMap((id) => this.#acc.record(id) ?? [])
  }
  state(): FoldState {
    return this.#acc.toState()
  }
}
