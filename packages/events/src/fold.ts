/**
 * The fold from events to the session map.
 *
 * Every fact is kept as a join-semilattice (sets, earliest/latest-wins registers with the
 * event id as tie-break), so observations that commute fold to the same state in any order,
 * a replayed event id changes nothing, and a snapshot is simply the state itself.
 * Everything ordered (the chain, the status) is derived from that state on read.
 */
import type { ClaudeSessionId, EventId, StableId } from "./ids.js"
import type { KnownEvent, LinkKind, SessionEvent, SessionMode } from "./schema.js"
import { isKnownEvent } from "./schema.js"

interface Stamp {
  readonly at: string
  readonly eventId: EventId
}

export interface EvidenceFact extends Stamp {
  readonly source: string
  readonly evidence: string
}

export interface ClaudeFact {
  readonly claudeSessionId: ClaudeSessionId
  readonly firstSeen: string
  readonly lastSeen: string
  readonly confidence: number
  readonly sources: ReadonlyArray<string>
  readonly transcriptPaths: ReadonlyArray<string>
  readonly evidence: ReadonlyArray<EvidenceFact>
}

export interface LinkFact {
  readonly from: ClaudeSessionId
  readonly to: ClaudeSessionId
  readonly kind: LinkKind
  readonly at: string
  readonly evidence: ReadonlyArray<EvidenceFact>
}

export interface OpenedFact extends Stamp {
  readonly cwd: string
  readonly mode: SessionMode
  readonly promptHash?: string
  readonly logPath?: string
  readonly forkOf?: StableId
}

export interface RunFact {
  readonly runId: string
  readonly started?: Stamp & {
    readonly pid?: number
    readonly mode?: SessionMode
    readonly logPath?: string
  }
  readonly finished?: Stamp & {
    readonly exitCode: number | null
    readonly signal?: string
    readonly resultSubtype?: string
    readonly isError?: boolean
  }
}

interface Register<A> extends Stamp {
  readonly value: A
}

export interface SessionRecord {
  readonly id: StableId
  readonly opened?: OpenedFact
  readonly claude: Readonly<Record<string, ClaudeFact>>
  readonly links: Readonly<Record<string, LinkFact>>
  readonly runs: Readonly<Record<string, RunFact>>
  readonly label?: Register<string>
  readonly archived?: Register<boolean>
  readonly firstAt: string
  readonly lastAt: string
}

/** The whole fold state. It is its own snapshot: JSON-serialisable, resumable. */
export interface FoldState {
  readonly version: 1
  readonly seen: ReadonlyArray<EventId>
  readonly sessions: Readonly<Record<string, SessionRecord>>
  readonly unknownEvents: number
}

export const emptyFoldState: FoldState = { version: 1, seen: [], sessions: {}, unknownEvents: 0 }

// --- ordering helpers: total orders so that every merge is commutative ----------------

const compareStamp = (a: Stamp, b: Stamp): number =>
  a.at < b.at ? -1 : a.at > b.at ? 1 : a.eventId < b.eventId ? -1 : a.eventId > b.eventId ? 1 : 0

const earlier = <A extends Stamp>(a: A | undefined, b: A): A => (a === undefined || compareStamp(b, a) < 0 ? b : a)
const later = <A extends Stamp>(a: A | undefined, b: A): A => (a === undefined || compareStamp(b, a) > 0 ? b : a)

const insertSorted = <A>(list: ReadonlyArray<A>, item: A, compare: (x: A, y: A) => number): ReadonlyArray<A> => {
  let lo = 0
  let hi = list.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    const c = compare(list[mid] as A, item)
    if (c === 0) return list
    if (c < 0) lo = mid + 1
    else hi = mid
  }
  return [...list.slice(0, lo), item, ...list.slice(lo)]
}

const compareString = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0)
const compareEvidence = (a: EvidenceFact, b: EvidenceFact): number => compareString(a.eventId, b.eventId)

const minString = (a: string, b: string): string => (b < a ? b : a)
const maxString = (a: string, b: string): string => (b > a ? b : a)

const linkKey = (from: string, to: string, kind: LinkKind): string => `${from}>${to}:${kind}`

// --- evolve ------------------------------------------------------------------------------

const emptyRecord = (id: StableId, at: string): SessionRecord => ({
  id,
  claude: {},
  links: {},
  runs: {},
  firstAt: at,
  lastAt: at
})

const evolveRecord = (record: SessionRecord, event: KnownEvent): SessionRecord => {
  const stamp: Stamp = { at: event.at, eventId: event.id }
  const base: SessionRecord = {
    ...record,
    firstAt: minString(record.firstAt, event.at),
    lastAt: maxString(record.lastAt, event.at)
  }
  switch (event.type) {
    case "session.opened": {
      const p = event.payload
      const fact: OpenedFact = {
        ...stamp,
        cwd: p.cwd,
        mode: p.mode,
        ...(p.promptHash === undefined ? {} : { promptHash: p.promptHash }),
        ...(p.logPath === undefined ? {} : { logPath: p.logPath }),
        ...(p.forkOf === undefined ? {} : { forkOf: p.forkOf })
      }
      return { ...base, opened: earlier(record.opened, fact) }
    }
    case "claude.observed": {
      const p = event.payload
      const previous = record.claude[p.claudeSessionId]
      const evidence: EvidenceFact = { ...stamp, source: p.source, evidence: p.evidence }
      const fact: ClaudeFact = {
        claudeSessionId: p.claudeSessionId,
        firstSeen: previous === undefined ? event.at : minString(previous.firstSeen, event.at),
        lastSeen: previous === undefined ? event.at : maxString(previous.lastSeen, event.at),
        confidence: Math.max(previous?.confidence ?? 0, p.confidence),
        sources: insertSorted(previous?.sources ?? [], p.source, compareString),
        transcriptPaths:
          p.transcriptPath === undefined
            ? (previous?.transcriptPaths ?? [])
            : insertSorted(previous?.transcriptPaths ?? [], p.transcriptPath, compareString),
        evidence: insertSorted(previous?.evidence ?? [], evidence, compareEvidence)
      }
      return { ...base, claude: { ...record.claude, [p.claudeSessionId]: fact } }
    }
    case "chain.linked": {
      const p = event.payload
      const key = linkKey(p.from, p.to, p.kind)
      const previous = record.links[key]
      const evidence: EvidenceFact = { ...stamp, source: p.source, evidence: p.evidence }
      const fact: LinkFact = {
        from: p.from,
        to: p.to,
        kind: p.kind,
        at: previous === undefined ? event.at : minString(previous.at, event.at),
        evidence: insertSorted(previous?.evidence ?? [], evidence, compareEvidence)
      }
      return { ...base, links: { ...record.links, [key]: fact } }
    }
    case "run.started": {
      const p = event.payload
      const previous = record.runs[p.runId]
      const started = {
        ...stamp,
        ...(p.pid === undefined ? {} : { pid: p.pid }),
        ...(p.mode === undefined ? {} : { mode: p.mode }),
        ...(p.logPath === undefined ? {} : { logPath: p.logPath })
      }
      const run: RunFact = { ...previous, runId: p.runId, started: earlier(previous?.started, started) }
      return { ...base, runs: { ...record.runs, [p.runId]: run } }
    }
    case "run.finished": {
      const p = event.payload
      const previous = record.runs[p.runId]
      const finished = {
        ...stamp,
        exitCode: p.exitCode,
        ...(p.signal === undefined ? {} : { signal: p.signal }),
        ...(p.resultSubtype === undefined ? {} : { resultSubtype: p.resultSubtype }),
        ...(p.isError === undefined ? {} : { isError: p.isError })
      }
      const run: RunFact = { ...previous, runId: p.runId, finished: earlier(previous?.finished, finished) }
      return { ...base, runs: { ...record.runs, [p.runId]: run } }
    }
    case "session.labeled":
      return { ...base, label: later(record.label, { ...stamp, value: event.payload.label }) }
    case "session.archived":
      return { ...base, archived: later(record.archived, { ...stamp, value: event.payload.archived }) }
  }
}

/** A mutable accumulator used by `fold`; `evolve` is the pure single-step form. */
class Accumulator {
  readonly seen: Set<string>
  readonly sessions: Map<string, SessionRecord>
  unknownEvents: number

  constructor(state: FoldState) {
    this.seen = new Set(state.seen)
    this.sessions = new Map(Object.entries(state.sessions))
    this.unknownEvents = state.unknownEvents
  }

  apply(event: SessionEvent): void {
    if (this.seen.has(event.id)) return
    this.seen.add(event.id)
    if (!isKnownEvent(event)) {
      this.unknownEvents += 1
      return
    }
    const record = this.sessions.get(event.session) ?? emptyRecord(event.session, event.at)
    this.sessions.set(event.session, evolveRecord(record, event))
  }

  toState(): FoldState {
    const sessions: Record<string, SessionRecord> = {}
    for (const key of [...this.sessions.keys()].sort()) sessions[key] = this.sessions.get(key) as SessionRecord
    return { version: 1, seen: [...this.seen].sort() as Array<EventId>, sessions, unknownEvents: this.unknownEvents }
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
  has(eventId: string): boolean {
    return this.#acc.seen.has(eventId)
  }
  record(id: string): SessionRecord | undefined {
    return this.#acc.sessions.get(id)
  }
  records(): IterableIterator<SessionRecord> {
    return this.#acc.sessions.values()
  }
  state(): FoldState {
    return this.#acc.toState()
  }
}

/** Serialises a state for storage beside the log; `restoreSnapshot` reads it back. */
export const snapshot = (state: FoldState): string => JSON.stringify(state)

export const restoreSnapshot = (text: string): FoldState | undefined => {
  try {
    const value: unknown = JSON.parse(text)
    if (
      typeof value === "object" &&
      value !== null &&
      "version" in value &&
      value.version === 1 &&
      "seen" in value &&
      Array.isArray(value.seen) &&
      "sessions" in value &&
      typeof value.sessions === "object" &&
      value.sessions !== null
    ) {
      return value as FoldState
    }
  } catch {
    // a corrupt snapshot is rebuilt from the log, never trusted
  }
  return undefined
}
