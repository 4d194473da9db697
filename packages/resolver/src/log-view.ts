/**
 * The event log as the resolver reads it: folded once, then kept up to date by reading only
 * what was appended (a long-lived resolver never re-reads or re-folds its log). Until something
 * needs the whole log, sessions are read one by one through the store's session index, so that
 * `show` and `resolve` of one session do not pay for every session the store holds.
 */
import {
  type ClaudeSessionId,
  type EventLog,
  Folder,
  foldEventLog,
  type SessionEvent,
  type SessionMap,
  type SessionView,
  type SkippedLine,
  type StableId,
  sessionView
} from "@cc/events"

export interface World {
  readonly map: SessionMap
}

export class LogView {
  #folder = new Folder()
  #offset = 0
  #map: SessionMap = { sessions: new Map(), byClaudeId: new Map() }
  readonly #logDiagnostics = new Map<number, SkippedLine>()
  /** Whether the whole log has been folded (`world`); until then sessions are read one by one. */
  #whole = false
  /** Whether the log was folded whole once (from a snapshot, if the store keeps one); after that, only what was appended is read. */
  #foldedOnce = false
  /** Sessions read alone (`log.readSessions`): their views, and who claims the Claude ids asked about. */
  readonly #partialViews = new Map<StableId, SessionView | null>()
  readonly #partialOwners = new Map<ClaudeSessionId, Array<StableId>>()

  constructor(readonly log: EventLog) {}

  /** The whole session map, up to date. */
  async map(): Promise<SessionMap> {
    return (await this.world()).map
  }

  sessions(): Promise<SessionMap> {
    return this.map()
  }

  /** Lines of the event log that could not be read (each once, with its offset). */
  diagnostics(): ReadonlyArray<SkippedLine> {
    return [...this.#logDiagnostics.values()].sort((a, b) => a.offset - b.offset)
  }

  /**
   * One session's view, up to date. Until something needs the whole log, only that session's
   * events are read (the store's session index): `show` and `resolve` of one session do not
   * pay for every session the store holds.
   */
  async view(id: StableId): Promise<SessionView | undefined> {
    if (this.#whole) return (await this.world()).map.sessions.get(id)
    await this.#readSessions({ sessions: [id] })
    return this.#partialViews.get(id) ?? undefined
  }

  /** The stable sessions that claim a Claude id (as `#view`, one read of their events only). */
  async owners(claudeId: ClaudeSessionId): Promise<ReadonlyArray<StableId>> {
    if (this.#whole) return (await this.world()).map.byClaudeId.get(claudeId) ?? []
    await this.#readSessions({ mentioning: [claudeId] })
    return this.#partialOwners.get(claudeId) ?? []
  }

  async #readSessions(query: {
    sessions?: ReadonlyArray<StableId>
    mentioning?: ReadonlyArray<ClaudeSessionId>
  }): Promise<void> {
    const { events, diagnostics } = await this.log.readSessions(query)
    for (const d of diagnostics) if (d._tag === "SkippedLine") this.#logDiagnostics.set(d.offset, d)
    const bySession = new Map<StableId, Array<SessionEvent>>()
    for (const { event } of events) {
      const own = bySession.get(event.session)
      if (own === undefined) bySession.set(event.session, [event])
      else own.push(event)
    }
    for (const id of query.sessions ?? []) this.#partialViews.set(id, null)
    const views: Array<SessionView> = []
    for (const [id, own] of bySession) {
      const record = new Folder().apply(own).record(id)
      const view = record === undefined ? undefined : sessionView(record)
      this.#partialViews.set(id, view ?? null)
      if (view !== undefined) views.push(view)
    }
    for (const claudeId of query.mentioning ?? []) {
      this.#partialOwners.set(
        claudeId,
        views
          .filter((v) => v.claudeSessionIds.includes(claudeId))
          .map((v) => v.id)
          .sort()
      )
    }
  }

  /** A view already read (whole log or one by one), without reading. */
  knownView(id: StableId): SessionView | undefined {
    return this.#whole ? this.#map.sessions.get(id) : (this.#partialViews.get(id) ?? undefined)
  }

  knownOwners(claudeId: ClaudeSessionId): ReadonlyArray<StableId> {
    return (this.#whole ? this.#map.byClaudeId.get(claudeId) : this.#partialOwners.get(claudeId)) ?? []
  }

  /**
   * The folded event log, kept between calls and brought up to date by reading only what was
   * appended since (a long-lived resolver does not re-read or re-fold its log).
   */
  async world(): Promise<World> {
    this.#whole = true
    let touched: Set<string>
    if (!this.#foldedOnce && this.log.effect.snapshots !== undefined) {
      this.#foldedOnce = true
      // the first whole read of a store that keeps fold snapshots starts from its newest one
      const folded = await foldEventLog(this.log)
      this.#folder = folded.folder
      this.#offset = folded.nextOffset
      for (const d of folded.diagnostics) if (d._tag === "SkippedLine") this.#logDiagnostics.set(d.offset, d)
      touched = new Set(folded.folder.ids())
    } else {
      const { events, diagnostics, nextOffset } = await this.log.read({ from: this.#offset })
      this.#offset = nextOffset
      for (const d of diagnostics) if (d._tag === "SkippedLine") this.#logDiagnostics.set(d.offset, d)
      if (events.length === 0) return { map: this.#map }
      this.#folder.apply(events.map((stored) => stored.event))
      touched = new Set(events.map((stored) => stored.event.session))
    }
    const sessions = new Map(this.#map.sessions)
    const byClaudeId = new Map<ClaudeSessionId, Array<StableId>>()
    for (const [claudeId, owners] of this.#map.byClaudeId) {
      const kept = owners.filter((owner) => !touched.has(owner))
      if (kept.length > 0) byClaudeId.set(claudeId, kept)
    }
    for (const id of touched) {
      const record = this.#folder.record(id)
      if (record === undefined) continue
      const view = sessionView(record)
      sessions.set(view.id, view)
      for (const claudeId of view.claudeSessionIds)
        byClaudeId.set(claudeId, [...(byClaudeId.get(claudeId) ?? []), view.id].sort())
    }
    this.#map = { sessions, byClaudeId }
    return { map: this.#map }
  }
}
