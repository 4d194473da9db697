/**
 * Layered, lazy resolution. Cheapest first, stopping as soon as the answer is certain:
 *
 *   1. store        our folded event log
 *   2. detached-log the detached run's sidecar and stream log (its `logPath`)
 *   3. history/jobs `history.jsonl` and `claude --bg` job states
 *   4. transcripts  Claude's own transcripts, through the index (@cc/cache)
 *
 * Every discovery made on the way is appended to the event log (the cache of record), so the
 * next resolution of the same session stops at layer 1.
 */

import { statSync } from "node:fs"
import { basename, dirname } from "node:path"
import { type IndexedTranscript, type TranscriptCache, transcriptToDiscovery } from "@cc/cache"
import {
  type ClaudeSessionId,
  type EventLog,
  Folder,
  fold,
  foldEventLog,
  HOST,
  isClaudeSessionId,
  isStableId,
  makeEvent,
  processGone,
  type SessionEvent,
  type SessionMap,
  type SessionStatus,
  type SessionView,
  type SkippedLine,
  type StableId,
  sessionMap,
  sessionView
} from "@cc/events"
import {
  type AnySource,
  asPromiseSource,
  collectPromise,
  type Discovery,
  detachedLogPromiseSource,
  historyPromiseSource,
  jobsPromiseSource,
  type PromiseSource,
  type RunResultFound,
  type SessionFound,
  type SourceCost,
  type SourceDiagnostic,
  type SourceQuery,
  type UnresolvedSession
} from "@cc/sources"
import { orderWithTranscripts, viewInChainOrder } from "./chains.js"
import { AmbiguousSession, type Candidate, InvalidReference, SessionNotFound } from "./errors.js"
import { fittingCandidates, type MatchRule } from "./match.js"
import { cwdRelation, type PathMapping } from "./repo.js"
import { matchRun, type RunOutcome } from "./runs.js"
import { type ContinuationToken, decodeToken, isTokenLike } from "./token.js"

/** The built-in layers; a plugin source that answers is named by its own name. */
export type ResolvedBy =
  | "store"
  | "sidecar"
  | "detached-log"
  | "history"
  | "jobs"
  | "transcripts"
  | "token"
  | (string & {})

export interface ForkedFrom {
  /** Null only for a fork whose parent has no Claude id we know of. */
  readonly claudeSessionId: ClaudeSessionId | null
  readonly stableId: StableId | null
}

/** A plugin source that threw: it is skipped, the other layers go on. */
export interface SourceProblem {
  readonly source: string
  readonly message: string
}

export interface Resolution {
  readonly stableId: StableId | null
  /** The Claude session chain, oldest first. */
  readonly claudeSessionIds: ReadonlyArray<ClaudeSessionId>
  /** The id to resume. */
  readonly latestClaudeSessionId: ClaudeSessionId | null
  readonly forks: ReadonlyArray<{ readonly from: ClaudeSessionId; readonly to: ClaudeSessionId }>
  /** Where this session branched from: the parent's Claude id, and its stable id when known. */
  readonly forkedFrom: ForkedFrom | null
  readonly cwd: string | null
  /** The host the session was opened on (or, known only from transcripts here, this host). */
  readonly host: string | null
  readonly transcripts: ReadonlyArray<string>
  /** The hosts each transcript is on: recorded by the events, and this host for the ones here. */
  readonly transcriptHosts: Readonly<Record<string, ReadonlyArray<string>>>
  readonly status: SessionStatus | "unknown"
  readonly resolvedBy: ResolvedBy
  readonly confidence: number
  readonly evidence: ReadonlyArray<string>
  /** Every layer that was asked, in order. */
  readonly searched: ReadonlyArray<string>
}

export interface MatchWindow {
  /** How long before the recorded start a transcript may begin (clock skew). */
  readonly beforeMs: number
  /** How long after the recorded start the transcript's first entry may come. */
  readonly afterMs: number
}

export interface ResolverOptions {
  readonly log: EventLog
  readonly cache: TranscriptCache
  /** Claude config roots for history.jsonl and jobs/ (the cache has its own roots). */
  readonly claudeHomes: ReadonlyArray<string>
  readonly mappings?: ReadonlyArray<PathMapping>
  readonly useGit?: boolean
  /** Append what the layers found to the event log (default true). */
  readonly record?: boolean
  readonly window?: MatchWindow
  /**
   * Plugin sources (Effect or Promise form), each asked lazily at the layer its `cost` names:
   * `cheap` after the detached run's log, `moderate` with history and jobs, `expensive` after
   * the transcripts. What they find is recorded with their name as the source.
   */
  readonly sources?: ReadonlyArray<AnySource>
  /** Told of each plugin source that throws (default: kept for `sourceProblems()` only). */
  readonly onSourceProblem?: (problem: SourceProblem) => void
}

export type Reference =
  | { readonly _tag: "Stable"; readonly id: StableId }
  | { readonly _tag: "Claude"; readonly id: ClaudeSessionId }
  | { readonly _tag: "Prefix"; readonly prefix: string }
  | { readonly _tag: "Token"; readonly token: ContinuationToken }

/** Parses what a user typed: stable id, Claude id, a unique prefix of either, or a token. */
export const parseReference = (text: string): Reference => {
  const ref = text.trim().toLowerCase()
  if (isStableId(ref)) return { _tag: "Stable", id: ref }
  if (isClaudeSessionId(ref)) return { _tag: "Claude", id: ref }
  if (isTokenLike(text.trim())) {
    const decoded = decodeToken(text.trim())
    if (decoded._tag === "Invalid") throw decoded.error
    return { _tag: "Token", token: decoded.token }
  }
  const bare = ref.startsWith("cc-session-") ? ref.slice("cc-session-".length) : ref
  if (/^[0-9a-f][0-9a-f-]{3,35}$/.test(bare)) return { _tag: "Prefix", prefix: ref }
  throw new InvalidReference({
    reference: text,
    message: `"${text.slice(0, 80)}" is not a session reference (a cc-session id, a Claude session id, a unique prefix of at least 4 characters, or a cct1 token)`
  })
}

/** A run recorded before supervisors were: orphaned once claude is gone and its log still this long. */
const ORPHAN_QUIET_MS = 30_000

const logStillFor = (path: string | undefined): number => {
  if (path === undefined) return Number.POSITIVE_INFINITY
  try {
    return Date.now() - statSync(path).mtimeMs
  } catch {
    return Number.POSITIVE_INFINITY
  }
}

/** What a source's name for a session can look like: `channelcoder:refactor`, `detached-1795807425164`. */
const PLAUSIBLE_NAME = /^[\w.@/:+-]{1,200}$/

const DEFAULT_WINDOW: MatchWindow = { beforeMs: 2 * 60_000, afterMs: 10 * 60_000 }

interface World {
  readonly map: SessionMap
}

const candidateOf = (
  t: { claudeSessionId: string; cwd?: string; firstTimestamp?: string },
  source: string,
  stableId: string | null = null
): Candidate => ({
  stableId,
  claudeSessionId: t.claudeSessionId,
  source,
  ...(t.cwd === undefined ? {} : { cwd: t.cwd }),
  ...(t.firstTimestamp === undefined ? {} : { firstTimestamp: t.firstTimestamp })
})

export class Resolver {
  readonly #options: ResolverOptions
  readonly #window: MatchWindow
  #folder = new Folder()
  #offset = 0
  #map: SessionMap = { sessions: new Map(), byClaudeId: new Map() }
  readonly #sources: ReadonlyArray<PromiseSource>
  readonly #problems: Array<SourceProblem> = []
  readonly #diagnostics: Array<SourceDiagnostic> = []
  readonly #logDiagnostics = new Map<number, SkippedLine>()
  #byPrompt: { all: ReadonlyArray<IndexedTranscript>; map: Map<string, Array<IndexedTranscript>> } | undefined
  #linkGraph: { links: ReadonlyArray<unknown>; touching: Map<string, Array<number>> } | undefined
  /** Whether the whole log has been folded (`#world`); until then sessions are read one by one. */
  #whole = false
  /** Whether the log was folded whole once (from a snapshot, if the store keeps one); after that, only what was appended is read. */
  #foldedOnce = false
  /** Sessions read alone (`log.readSessions`): their views, and who claims the Claude ids asked about. */
  readonly #partialViews = new Map<StableId, SessionView | null>()
  readonly #partialOwners = new Map<ClaudeSessionId, Array<StableId>>()

  constructor(options: ResolverOptions) {
    this.#options = options
    this.#window = options.window ?? DEFAULT_WINDOW
    this.#sources = (options.sources ?? []).map(asPromiseSource)
  }

  /** The plugin sources, in the order they are asked. */
  get sources(): ReadonlyArray<PromiseSource> {
    return this.#sources
  }

  /** Plugin sources that threw so far (each was skipped for that question). */
  sourceProblems(): ReadonlyArray<SourceProblem> {
    return [...this.#problems]
  }

  /** The session map folded from the event log, brought up to date (only what was appended is read). */
  async sessions(): Promise<SessionMap> {
    return (await this.#world()).map
  }

  /** Lines of the event log that could not be read (each once, with its offset). */
  logDiagnostics(): ReadonlyArray<SkippedLine> {
    return [...this.#logDiagnostics.values()].sort((a, b) => a.offset - b.offset)
  }

  /**
   * One session's view, up to date. Until something needs the whole log, only that session's
   * events are read (the store's session index): `show` and `resolve` of one session do not
   * pay for every session the store holds.
   */
  async #view(id: StableId): Promise<SessionView | undefined> {
    if (this.#whole) return (await this.#world()).map.sessions.get(id)
    await this.#readSessions({ sessions: [id] })
    return this.#partialViews.get(id) ?? undefined
  }

  /** The stable sessions that claim a Claude id (as `#view`, one read of their events only). */
  async #owners(claudeId: ClaudeSessionId): Promise<ReadonlyArray<StableId>> {
    if (this.#whole) return (await this.#world()).map.byClaudeId.get(claudeId) ?? []
    await this.#readSessions({ mentioning: [claudeId] })
    return this.#partialOwners.get(claudeId) ?? []
  }

  async #readSessions(query: {
    sessions?: ReadonlyArray<StableId>
    mentioning?: ReadonlyArray<ClaudeSessionId>
  }): Promise<void> {
    const { events, diagnostics } = await this.#options.log.readSessions(query)
    for (const d of diagnostics) if (d._tag === "SkippedLine") this.#logDiagnostics.set(d.offset, d)
    const bySession = new Map<string, Array<SessionEvent>>()
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
      this.#partialViews.set(id as StableId, view ?? null)
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
  #knownView(id: StableId): SessionView | undefined {
    return this.#whole ? this.#map.sessions.get(id) : (this.#partialViews.get(id) ?? undefined)
  }

  #knownOwners(claudeId: ClaudeSessionId): ReadonlyArray<StableId> {
    return (this.#whole ? this.#map.byClaudeId.get(claudeId) : this.#partialOwners.get(claudeId)) ?? []
  }

  /**
   * Makes the status of a session's runs true: a run whose processes (claude and its
   * supervisor, told apart from a reused pid by their start times) are all gone gets the
   * `run.finished` nobody wrote — from its log's `result` line (`finished` or `failed`), or
   * `lost` with the reason. A run on another host, or one whose processes cannot be checked, is
   * left as it is. Returns the view as it is now.
   */
  async settle(id: StableId): Promise<SessionView | undefined> {
    const settled = await this.#settle(id)
    return settled === undefined ? undefined : this.inChainOrder(settled)
  }

  async #settle(id: StableId): Promise<SessionView | undefined> {
    const view = await this.#view(id)
    if (view === undefined || view.status !== "running") return view
    const events: Array<SessionEvent> = []
    for (const run of view.runs) {
      const started = run.started
      if (started === undefined || run.finished !== undefined) continue
      const claudeGone =
        started.pid === undefined
          ? true
          : processGone({
              pid: started.pid,
              ...(started.pidStart === undefined ? {} : { start: started.pidStart }),
              ...(started.host === undefined ? {} : { host: started.host })
            })
      const supervisorGone =
        started.supervisorPid === undefined
          ? // no supervisor (a bridge's detached run, or one written before supervisors were):
            // over once its own claude is known gone, else when its log has been still a while
            (started.pid !== undefined && started.pidStart !== undefined && claudeGone === true) ||
            logStillFor(started.logPath ?? view.logPath) > ORPHAN_QUIET_MS
          : processGone({
              pid: started.supervisorPid,
              ...(started.supervisorStart === undefined ? {} : { start: started.supervisorStart }),
              ...(started.host === undefined ? {} : { host: started.host })
            })
      if (claudeGone !== true || supervisorGone !== true) continue
      const logPath = started.logPath ?? view.logPath
      const found = logPath === undefined ? [] : await collectPromise(detachedLogPromiseSource(), { logPath })
      const result = found.find((d): d is RunResultFound => d._tag === "RunResultFound")
      const who = `claude${started.pid === undefined ? "" : ` (pid ${started.pid})`} and its supervisor${started.supervisorPid === undefined ? "" : ` (pid ${started.supervisorPid})`} are gone`
      events.push(
        makeEvent("run.finished", id, {
          runId: run.runId,
          exitCode: null,
          ...(result === undefined
            ? {
                isError: true,
                lost: `${who}, and ${logPath === undefined ? "no log was kept" : `its log ${logPath} has no result line`}`
              }
            : { isError: result.isError, ...(result.subtype === undefined ? {} : { resultSubtype: result.subtype }) })
        })
      )
    }
    if (events.length > 0 && this.#options.record !== false) await this.#options.log.append(events)
    return this.#view(id)
  }

  /** What plugin sources reported skipping so far (a torn file, an unreadable folder). */
  sourceDiagnostics(): ReadonlyArray<SourceDiagnostic> {
    return [...this.#diagnostics]
  }

  /**
   * Asks the plugin sources of one cost (or all), one after another. A source that throws is
   * reported and skipped: one broken plugin never stops a resolution.
   */
  async #ask(cost: SourceCost | "all", query: SourceQuery): Promise<Array<Discovery>> {
    const out: Array<Discovery> = []
    for (const source of this.#sources) {
      if (cost !== "all" && (source.cost ?? "moderate") !== cost) continue
      try {
        for (const d of await collectPromise(source, query)) {
          if (d._tag === "SourceDiagnostic") this.#diagnostics.push(d)
          else out.push(d)
        }
      } catch (error) {
        const problem = { source: source.name, message: error instanceof Error ? error.message : String(error) }
        this.#problems.push(problem)
        this.#options.onSourceProblem?.(problem)
      }
    }
    return out
  }

  /** Resolves any reference: stable id, Claude id, unique prefix, or continuation token. */
  async resolve(reference: string): Promise<Resolution> {
    let parsed: Reference
    try {
      parsed = parseReference(reference)
    } catch (error) {
      // not one of our reference kinds: a label, or a name a plugin source knows
      if (error instanceof InvalidReference && reference.trim() !== "")
        return this.resolveNamed(reference.trim(), error)
      throw error
    }
    switch (parsed._tag) {
      case "Stable":
        return this.resolveStable(parsed.id, reference)
      case "Claude":
        return this.resolveClaude(parsed.id, reference)
      case "Prefix":
        return this.resolvePrefix(parsed.prefix, reference)
      case "Token":
        return this.resolveToken(parsed.token, reference)
    }
  }

  // --- layer 1 -------------------------------------------------------------------------

  /**
   * The folded event log, kept between calls and brought up to date by reading only what was
   * appended since (a long-lived resolver does not re-read or re-fold its log).
   */
  async #world(): Promise<World> {
    this.#whole = true
    let touched: Set<string>
    if (!this.#foldedOnce && this.#options.log.effect.snapshots !== undefined) {
      this.#foldedOnce = true
      // the first whole read of a store that keeps fold snapshots starts from its newest one
      const folded = await foldEventLog(this.#options.log)
      this.#folder = folded.folder
      this.#offset = folded.nextOffset
      for (const d of folded.diagnostics) if (d._tag === "SkippedLine") this.#logDiagnostics.set(d.offset, d)
      touched = new Set(folded.folder.records().map((record) => record.id))
    } else {
      const { events, diagnostics, nextOffset } = await this.#options.log.read({ from: this.#offset })
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

  async #fromView(
    view: SessionView,
    resolvedBy: ResolvedBy,
    searched: ReadonlyArray<string>,
    evidence: ReadonlyArray<string>
  ): Promise<Resolution> {
    view = viewInChainOrder(view, this.#options.cache)
    const confidence = Math.max(0, ...view.claudeSessionIds.map((id) => view.provenance[id]?.confidence ?? 0))
    const transcripts = new Set(view.transcripts)
    for (const id of view.claudeSessionIds) for (const path of this.#options.cache.pathsOf(id)) transcripts.add(path)
    return {
      stableId: view.id,
      claudeSessionIds: view.claudeSessionIds,
      latestClaudeSessionId: view.latestClaudeSessionId ?? null,
      forks: view.forks.map(({ from, to }) => ({ from, to })),
      forkedFrom: await this.forkedFrom(view.claudeSessionIds, view),
      cwd: view.cwd ?? null,
      host: view.host ?? null,
      transcripts: [...transcripts].sort(),
      transcriptHosts: this.#hostsOf([...transcripts], view.transcriptHosts),
      status: view.status,
      resolvedBy,
      confidence: view.claudeSessionIds.length === 0 ? 0 : confidence,
      evidence,
      searched
    }
  }

  /** Each transcript's hosts: as the events recorded them, and this host for one the index has here. */
  #hostsOf(
    paths: ReadonlyArray<string>,
    recorded: Readonly<Record<string, ReadonlyArray<string>>>
  ): Record<string, ReadonlyArray<string>> {
    const out: Record<string, ReadonlyArray<string>> = {}
    for (const path of paths) {
      const here = this.#options.cache.pathsOf(basename(path, ".jsonl")).includes(path)
      out[path] = [...new Set([...(recorded[path] ?? []), ...(here ? [HOST] : [])])].sort()
    }
    return out
  }

  /** The transcripts of a chain found here, with this host for each. */
  #localTranscripts(ids: ReadonlyArray<string>): {
    transcripts: Array<string>
    transcriptHosts: Record<string, ReadonlyArray<string>>
  } {
    const transcripts = ids.flatMap((id) => this.#options.cache.pathsOf(id)).sort()
    return { transcripts, transcriptHosts: Object.fromEntries(transcripts.map((path) => [path, [HOST]])) }
  }

  /**
   * The parent of a chain: a fork link into one of its members from outside it, recorded by
   * cc-session (the fork's own events) or found in the transcripts (same message uuids).
   */
  forkedFromOf(
    chain: ReadonlyArray<ClaudeSessionId>,
    view?: SessionView,
    options: { readonly transcripts?: boolean } = {}
  ): ForkedFrom | null {
    // (public and synchronous: listings ask it of every session they show, once `sessions()`
    // has read the whole log; it reads nothing itself — `forkedFrom` reads what it needs)
    const link = this.#forkLinkInto(chain, view, options)
    if (link === undefined) {
      return view?.forkOf === undefined
        ? null
        : { claudeSessionId: this.#knownView(view.forkOf)?.latestClaudeSessionId ?? null, stableId: view.forkOf }
    }
    const from = link.from as ClaudeSessionId
    const owners = this.#knownOwners(from)
    return { claudeSessionId: from, stableId: view?.forkOf ?? (owners.length === 1 ? (owners[0] as StableId) : null) }
  }

  /** `forkedFromOf`, having read first what it needs of the log (the parent's session, or who claims it). */
  async forkedFrom(chain: ReadonlyArray<ClaudeSessionId>, view?: SessionView): Promise<ForkedFrom | null> {
    const link = this.#forkLinkInto(chain, view, {})
    if (link !== undefined) await this.#owners(link.from as ClaudeSessionId)
    else if (view?.forkOf !== undefined) await this.#view(view.forkOf)
    return this.forkedFromOf(chain, view)
  }

  /** A fork link into the chain from outside it: the fork's own events first, then the transcripts. */
  #forkLinkInto(
    chain: ReadonlyArray<ClaudeSessionId>,
    view: SessionView | undefined,
    options: { readonly transcripts?: boolean }
  ): { readonly from: string } | undefined {
    const members = new Set<string>(chain)
    const outside = (l: { readonly from: string; readonly to: string }) => members.has(l.to) && !members.has(l.from)
    const own = view?.links.find((l) => l.kind === "fork" && outside(l))
    if (own !== undefined || options.transcripts === false) return own
    // a fork and its parent share a project folder (--resume works from the session's own cwd
    // only): only the folders of the chain's own transcripts are looked in
    for (const member of chain) {
      const link = this.#options.cache.linksInto(member).find((l) => l.kind === "fork" && outside(l))
      if (link !== undefined) return link
    }
    return undefined
  }

  // --- recording -----------------------------------------------------------------------

  async #record(
    stableId: StableId,
    found: ReadonlyArray<SessionFound>,
    links: ReadonlyArray<{
      from: ClaudeSessionId
      to: ClaudeSessionId
      kind: "resume" | "fork" | "continue" | "compact"
      source: string
      evidence: string
    }>
  ): Promise<void> {
    if (this.#options.record === false) return
    const events: Array<SessionEvent> = []
    for (const f of found) {
      events.push(
        makeEvent(
          "claude.observed",
          stableId,
          {
            claudeSessionId: f.claudeSessionId,
            source: f.source,
            evidence: f.evidence,
            confidence: f.confidence,
            ...(f.path !== undefined && f.source === "transcripts" ? { transcriptPath: f.path } : {})
          },
          f.firstTimestamp === undefined ? {} : { at: f.firstTimestamp }
        )
      )
    }
    for (const link of links) events.push(makeEvent("chain.linked", stableId, link))
    if (events.length > 0) await this.#options.log.append(events)
  }

  // --- transcripts (layer 4) -----------------------------------------------------------

  async #transcripts(): Promise<ReadonlyArray<IndexedTranscript>> {
    await this.#options.cache.ensureFresh()
    return this.#options.cache.all()
  }

  /** The chain (component over resume/continue/compact links) that holds `seed`, with forks. */
  #component(seed: ClaudeSessionId): {
    ids: Array<ClaudeSessionId>
    links: Array<{
      from: ClaudeSessionId
      to: ClaudeSessionId
      kind: "resume" | "fork" | "continue" | "compact"
      source: string
      evidence: string
    }>
  } {
    const links = this.#options.cache.links()
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
    const members = new Set<string>([seed])
    const queue: Array<string> = [seed]
    const near = new Set<number>()
    for (let id = queue.pop(); id !== undefined; id = queue.pop()) {
      for (const i of touching.get(id) ?? []) {
        near.add(i)
        const l = links[i] as (typeof links)[number]
        if (l.kind === "fork") continue
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
      .map((i) => links[i] as (typeof links)[number])
      .filter((l) => members.has(l.from) || (l.kind === "fork" && members.has(l.to)))
    return {
      ids: [...members] as Array<ClaudeSessionId>,
      links: relevant.map((l) => ({
        from: l.from as ClaudeSessionId,
        to: l.to as ClaudeSessionId,
        kind: l.kind,
        source: "transcripts",
        evidence: l.evidence
      }))
    }
  }

  /** A resolution built from transcripts alone (no stable id). */
  async #fromTranscripts(
    seed: ClaudeSessionId,
    resolvedBy: ResolvedBy,
    searched: ReadonlyArray<string>,
    stableId: StableId | null,
    confidence: number
  ): Promise<Resolution> {
    const { ids, links } = this.#component(seed)
    // the chain order is the fold's: one rule for ordering chains, whoever asks
    const scratch = "cc-session-00000000-0000-4000-8000-000000000000" as StableId
    const events: Array<SessionEvent> = []
    for (const id of ids) {
      const t = this.#options.cache.byClaudeId(id)
      events.push(
        makeEvent(
          "claude.observed",
          scratch,
          { claudeSessionId: id, source: "transcripts", evidence: t?.path ?? "link", confidence: 1 },
          t?.firstTimestamp === undefined ? {} : { at: t.firstTimestamp }
        )
      )
    }
    for (const link of links) events.push(makeEvent("chain.linked", scratch, link))
    const view = sessionMap(fold(events)).sessions.get(scratch) as SessionView
    const seedFacts = this.#options.cache.byClaudeId(seed)
    return {
      stableId,
      claudeSessionIds: view.claudeSessionIds,
      latestClaudeSessionId: view.latestClaudeSessionId ?? null,
      forks: view.forks.map(({ from, to }) => ({ from, to })),
      forkedFrom: await this.forkedFrom(view.claudeSessionIds),
      cwd: seedFacts?.cwd ?? null,
      host: HOST,
      ...this.#localTranscripts(ids),
      status: "unknown",
      resolvedBy,
      confidence,
      evidence: links.map((l) => l.evidence),
      searched
    }
  }

  // --- stable ids ----------------------------------------------------------------------

  async resolveStable(id: StableId, reference: string = id): Promise<Resolution> {
    const view = await this.settle(id)
    if (view === undefined) {
      throw new SessionNotFound({
        reference,
        searched: ["store"],
        message: `no session ${id} in the event log ${this.#options.log.location}`
      })
    }
    if (view.claudeSessionIds.length > 0) return this.#fromView(view, "store", ["store"], ["event log"])
    const searched: Array<string> = ["store"]

    // layer 2: the detached run's sidecar and log
    if (view.logPath !== undefined) {
      searched.push("detached-log")
      const found = (await collectPromise(detachedLogPromiseSource(), { logPath: view.logPath })).filter(
        (d): d is SessionFound => d._tag === "SessionFound"
      )
      const ids = [...new Set(found.map((f) => f.claudeSessionId))]
      if (ids.length === 1) {
        await this.#record(id, found, [])
        const next = (await this.#view(id)) as SessionView
        return this.#fromView(
          next,
          found[0]?.source === "sidecar" ? "sidecar" : "detached-log",
          searched,
          found.map((f) => f.evidence)
        )
      }
    }

    // cheap plugin sources: one that knows this stable id answers outright
    const query: SourceQuery = {
      stableId: id,
      ...(view.cwd === undefined ? {} : { cwd: view.cwd }),
      ...(view.logPath === undefined ? {} : { logPath: view.logPath })
    }
    const cheapPlugins = this.#sources.some((source) => source.cost === "cheap")
    if (cheapPlugins) searched.push(...this.#namesOf("cheap"))
    const pluginFound = cheapPlugins ? sessionsFound(await this.#ask("cheap", query)) : []
    const answer = await this.#pluginAnswer(id, pluginFound, searched)
    if (answer !== undefined) return answer

    // a run still going whose log names no session yet is starting: its own log will say,
    // and a guess from other files now could hand it a neighbour's id
    if (view.status === "running" && view.logPath !== undefined) {
      throw new SessionNotFound({
        reference,
        searched,
        message: `session ${id} is still starting: its log ${view.logPath} names no Claude session yet`
      })
    }
    // from here on every session's claims count: the whole log is read
    const owned = new Set((await this.#world()).map.byClaudeId.keys())
    const createdAt = Date.parse(view.createdAt)

    // layer 3: history and background jobs, and plugin sources of moderate cost
    searched.push("history", "jobs", ...this.#namesOf("moderate"))
    const homes = this.#options.claudeHomes
    const moderate = sessionsFound(await this.#ask("moderate", query))
    const moderateAnswer = await this.#pluginAnswer(id, moderate, searched)
    if (moderateAnswer !== undefined) return moderateAnswer
    const cheap = [
      ...(await collectPromise(
        historyPromiseSource({ roots: homes }),
        view.cwd === undefined ? {} : { cwd: view.cwd }
      )),
      ...(await collectPromise(jobsPromiseSource({ roots: homes }), view.cwd === undefined ? {} : { cwd: view.cwd }))
    ].filter((d): d is SessionFound => d._tag === "SessionFound")
    const fromCheap = this.#match(view, createdAt, aggregate([...cheap, ...pluginFound, ...moderate]), owned, reference)
    if (fromCheap !== undefined) {
      // the transcript, if there is one, gives the whole chain
      const transcripts = await this.#transcripts()
      if (transcripts.some((t) => t.claudeSessionId === fromCheap.claudeSessionId)) {
        return this.#adoptFromTranscripts(
          id,
          fromCheap.claudeSessionId,
          [...searched, "transcripts"],
          fromCheap.source as ResolvedBy
        )
      }
      await this.#record(id, [fromCheap], [])
      const next = (await this.#view(id)) as SessionView
      return this.#fromView(next, fromCheap.source, searched, [fromCheap.evidence])
    }

    // layer 4: transcripts
    searched.push("transcripts")
    const transcripts = (await this.#transcripts()).map((t) => ({ ...t, source: "transcripts" }))
    const hit = this.#match(view, createdAt, transcripts.map(transcriptToDiscovery), owned, reference)
    if (hit !== undefined) return this.#adoptFromTranscripts(id, hit.claudeSessionId, searched, "transcripts")

    // expensive plugin sources last
    if (this.#sources.some((source) => source.cost === "expensive")) {
      searched.push(...this.#namesOf("expensive"))
      const expensive = sessionsFound(await this.#ask("expensive", query))
      const expensiveAnswer = await this.#pluginAnswer(id, expensive, searched)
      if (expensiveAnswer !== undefined) return expensiveAnswer
      const fromExpensive = this.#match(view, createdAt, aggregate(expensive), owned, reference)
      if (fromExpensive !== undefined) {
        await this.#record(id, [fromExpensive], [])
        const next = (await this.#view(id)) as SessionView
        return this.#fromView(next, fromExpensive.source, searched, [fromExpensive.evidence])
      }
    }
    throw new SessionNotFound({
      reference,
      searched,
      message: `session ${id} has no Claude session id yet: nothing in ${searched.join(", ")} matches its cwd and start time`
    })
  }

  #namesOf(cost: SourceCost): Array<string> {
    return this.#sources.filter((source) => (source.cost ?? "moderate") === cost).map((source) => source.name)
  }

  /** A plugin source that names this stable id itself is the answer; recorded under its name. */
  async #pluginAnswer(
    id: StableId,
    found: ReadonlyArray<SessionFound>,
    searched: ReadonlyArray<string>
  ): Promise<Resolution | undefined> {
    const own = found.filter((f) => f.stableId === id)
    if (own.length === 0) return undefined
    await this.#record(id, own, [])
    const next = (await this.#view(id)) as SessionView
    return this.#fromView(
      next,
      (own[0] as SessionFound).source,
      searched,
      own.map((f) => f.evidence)
    )
  }

  // --- runs nobody recorded an id for ------------------------------------------------------

  /** Matches one run without a Claude id (a plugin's `UnresolvedSession`) to its transcript. */
  async resolveRun(run: UnresolvedSession): Promise<RunOutcome> {
    const transcripts = await this.#transcripts()
    // a run with a prompt is matched against the transcripts with that prompt only: a thousand
    // runs never make a thousand passes over every transcript
    if (this.#byPrompt?.all !== transcripts) {
      const map = new Map<string, Array<IndexedTranscript>>()
      for (const t of transcripts) {
        if (t.promptHash !== undefined) map.set(t.promptHash, [...(map.get(t.promptHash) ?? []), t])
      }
      this.#byPrompt = { all: transcripts, map }
    }
    const candidates = run.promptHash === undefined ? transcripts : (this.#byPrompt.map.get(run.promptHash) ?? [])
    return matchRun(run, candidates, {
      ...this.#matchRule(),
      onePerConversation: (candidates) => {
        const kept = new Set(
          this.#oneFromEachChain(
            candidates.map((c) => ({
              _tag: "SessionFound" as const,
              source: "transcripts",
              claudeSessionId: c.claudeSessionId as ClaudeSessionId,
              confidence: 1,
              evidence: "",
              ...(c.firstTimestamp === undefined ? {} : { firstTimestamp: c.firstTimestamp })
            }))
          ).map((f) => f.claudeSessionId as string)
        )
        return candidates.filter((c) => kept.has(c.claudeSessionId))
      }
    })
  }

  /** Every run the plugin sources know without a Claude id, each matched to its transcript. */
  async unresolvedRuns(query: SourceQuery = {}): Promise<Array<RunOutcome>> {
    const runs = (await this.#ask("all", query)).filter((d): d is UnresolvedSession => d._tag === "UnresolvedSession")
    const outcomes: Array<RunOutcome> = []
    for (const run of runs) outcomes.push(await this.resolveRun(run))
    return outcomes
  }

  /** The Claude chain that holds `id`, in the one chain order (resume links; forks are not members). */
  chainOf(id: ClaudeSessionId): Array<ClaudeSessionId> {
    return this.#oldestFirst(this.#component(id).ids)
  }

  /** Claude ids in the one chain order: the transcripts' links, then their first entries, then id. */
  #oldestFirst(ids: Iterable<ClaudeSessionId>): Array<ClaudeSessionId> {
    return orderWithTranscripts(ids, [], this.#options.cache)
  }

  /**
   * A stable session's view with its chain in the one order (the event log's links and the
   * transcripts'), for listings that read views without resolving each one. Reads nothing.
   */
  inChainOrder(view: SessionView): SessionView {
    return viewInChainOrder(view, this.#options.cache)
  }

  /**
   * Gives a stable id the whole chain of a Claude id found in the transcripts: every member
   * with its transcript's first entry as the time it was seen, and every link of the chain,
   * so the fold orders it as the transcripts do (`recover --adopt`).
   */
  async adopt(
    id: StableId,
    claudeId: ClaudeSessionId,
    how: { readonly resolvedBy: ResolvedBy; readonly evidence?: string; readonly confidence: number }
  ): Promise<Resolution> {
    return this.#adoptFromTranscripts(id, claudeId, ["store", "transcripts"], how.resolvedBy, how)
  }

  /**
   * A name that is none of our reference kinds: a label in the event log (such as
   * `channelcoder:<name>` given by `recover --adopt`), else whatever the plugin sources say it
   * stands for — their Claude ids, and their runs without one, matched to transcripts.
   */
  async resolveNamed(name: string, invalid?: InvalidReference): Promise<Resolution> {
    const world = await this.#world()
    const labeled = [...world.map.sessions.values()].filter((v) => v.label === name)
    if (labeled.length === 1) return this.resolveStable((labeled[0] as SessionView).id, name)
    if (labeled.length > 1) {
      throw new AmbiguousSession({
        reference: name,
        candidates: labeled.map((v) => ({
          stableId: v.id,
          claudeSessionId: v.latestClaudeSessionId ?? null,
          source: "store"
        })),
        message: `${labeled.length} sessions are labeled ${name}`
      })
    }
    const searched = ["store", ...this.#sources.map((source) => source.name)]
    const discoveries = await this.#ask("all", { reference: name })
    const found = sessionsFound(discoveries)
    const runs = discoveries.filter((d): d is UnresolvedSession => d._tag === "UnresolvedSession")
    if (found.length === 0 && runs.length === 0) {
      // text that cannot be a name is a usage error, as it was before sources could know names
      if (invalid !== undefined && (this.#sources.length === 0 || !PLAUSIBLE_NAME.test(name))) throw invalid
      throw new SessionNotFound({
        reference: name,
        searched,
        message: `${JSON.stringify(name.slice(0, 80))} is no session id, and no source knows it (${searched.join(", ")})`
      })
    }
    searched.push("transcripts")
    const outcomes: Array<RunOutcome> = []
    for (const run of runs) outcomes.push(await this.resolveRun(run))
    const ambiguous = outcomes.find((o) => o._tag === "Ambiguous")
    if (ambiguous?._tag === "Ambiguous") {
      throw new AmbiguousSession({
        reference: name,
        candidates: ambiguous.candidates,
        message: `${ambiguous.run.placeholder} of "${ambiguous.run.reference}": ${ambiguous.reason}`
      })
    }
    const resolved = outcomes.flatMap((o) => (o._tag === "Resolved" ? [o] : []))
    const seeds = [...new Set([...found.map((f) => f.claudeSessionId), ...resolved.map((o) => o.claudeSessionId)])]
    if (seeds.length === 0) {
      const reasons = outcomes.flatMap((o) => (o._tag === "Unresolved" ? [`${o.run.placeholder}: ${o.reason}`] : []))
      throw new SessionNotFound({
        reference: name,
        searched,
        message: `${name} has no Claude session id that can be told for certain: ${reasons.join("; ")}`
      })
    }
    const ids = new Set<ClaudeSessionId>()
    for (const seed of seeds) for (const id of this.chainOf(seed)) ids.add(id)
    const chain = this.#oldestFirst(ids)
    const owners = [...new Set(chain.flatMap((id) => world.map.byClaudeId.get(id) ?? []))]
    const latest = chain.at(-1) as ClaudeSessionId
    const source = resolved[0]?.run.source ?? (found[0] as SessionFound).source
    return {
      stableId: owners.length === 1 ? (owners[0] as StableId) : null,
      claudeSessionIds: chain,
      latestClaudeSessionId: latest,
      forkedFrom: this.forkedFromOf(chain),
      forks: this.#component(latest)
        .links.filter((l) => l.kind === "fork")
        .map(({ from, to }) => ({ from, to })),
      cwd: this.#options.cache.byClaudeId(latest)?.cwd ?? found.find((f) => f.cwd !== undefined)?.cwd ?? null,
      host: HOST,
      ...this.#localTranscripts(chain),
      status: "unknown",
      resolvedBy: source,
      confidence: Math.min(...resolved.map((o) => o.confidence), ...found.map((f) => f.confidence)),
      evidence: [...resolved.map((o) => o.evidence), ...found.map((f) => f.evidence)],
      searched
    }
  }

  async #adoptFromTranscripts(
    id: StableId,
    claudeId: ClaudeSessionId,
    searched: ReadonlyArray<string>,
    resolvedBy: ResolvedBy,
    how: { readonly evidence?: string; readonly confidence: number } = { confidence: 0.9 }
  ): Promise<Resolution> {
    const { ids, links } = this.#component(claudeId)
    const found = ids.flatMap((member) => {
      const t = this.#options.cache.byClaudeId(member)
      return t === undefined
        ? []
        : [
            {
              ...transcriptToDiscovery(t),
              confidence: how.confidence,
              evidence: how.evidence ?? `matched by cwd, start time and first prompt: ${t.path}`
            }
          ]
    })
    await this.#record(id, found, links)
    const next = (await this.#view(id)) as SessionView
    return this.#fromView(
      next,
      resolvedBy,
      searched,
      found.map((f) => f.evidence)
    )
  }

  /**
   * The matching rule for a session we launched but whose Claude id was never recorded:
   * same cwd (or, failing that, another checkout of the same repository), first entry within
   * the window around our start time, same first-prompt hash when both are known, not already
   * claimed by another stable id, not a fork of another candidate. One left: found. Several:
   * an ambiguity error listing them.
   */
  #match(
    view: SessionView,
    createdAt: number,
    found: ReadonlyArray<SessionFound>,
    owned: ReadonlySet<string>,
    reference: string
  ): SessionFound | undefined {
    if (view.cwd === undefined) return undefined
    const pool = fittingCandidates(
      {
        startedAt: createdAt,
        cwd: view.cwd,
        ...(view.promptHash === undefined ? {} : { promptHash: { whole: view.promptHash } })
      },
      found.filter((f) => !owned.has(f.claudeSessionId)),
      this.#matchRule()
    )
    const unique = this.#oneFromEachChain(pool)
    if (unique.length === 1) return unique[0]
    if (unique.length > 1) {
      throw new AmbiguousSession({
        reference,
        candidates: unique.map((f) => candidateOf(f, f.source)),
        message: `${unique.length} Claude sessions fit ${view.id} equally (same cwd, start window and prompt): pass one of their ids`
      })
    }
    return undefined
  }

  /**
   * Collapses candidates to one per chain (its earliest member: a 1.0.x resume of a candidate
   * is the same conversation) and drops forks of another candidate (a fork copies the first
   * prompt but is not the session that was started then).
   */
  #oneFromEachChain(found: ReadonlyArray<SessionFound>): Array<SessionFound> {
    const links = this.#options.cache.links()
    const ids = new Set(found.map((f) => f.claudeSessionId as string))
    const forkOfCandidate = new Set(links.filter((l) => l.kind === "fork" && ids.has(l.from)).map((l) => l.to))
    const byChain = new Map<string, SessionFound>()
    for (const f of found) {
      if (forkOfCandidate.has(f.claudeSessionId)) continue
      const key = [...this.#component(f.claudeSessionId).ids].sort()[0] as string
      const previous = byChain.get(key)
      if (previous === undefined || (f.firstTimestamp ?? "") < (previous.firstTimestamp ?? "")) byChain.set(key, f)
    }
    return [...byChain.values()]
  }

  /** The match rule's window and cwd relation, as this resolver was given them. */
  #matchRule(): MatchRule {
    return {
      ...this.#window,
      relation: (recorded, candidate) => cwdRelation(recorded, candidate, this.#relationOptions())
    }
  }

  #relationOptions() {
    return {
      ...(this.#options.mappings === undefined ? {} : { mappings: this.#options.mappings }),
      ...(this.#options.useGit === undefined ? {} : { useGit: this.#options.useGit })
    }
  }

  // --- Claude ids ----------------------------------------------------------------------

  async resolveClaude(id: ClaudeSessionId, reference: string = id): Promise<Resolution> {
    const owners = await this.#owners(id)
    if (owners.length === 1) {
      // reading who claims it read the claimant's events too: that view is used as it is
      const owner = owners[0] as StableId
      const view = this.#knownView(owner) ?? (await this.#view(owner))
      return this.#fromView(view as SessionView, "store", ["store"], ["event log"])
    }
    if (owners.length > 1) {
      throw new AmbiguousSession({
        reference,
        candidates: owners.map((owner) => ({ stableId: owner, claudeSessionId: id, source: "store" })),
        message: `Claude session ${id} is claimed by ${owners.length} stable sessions`
      })
    }
    const searched = ["store", "transcripts"]
    // cold: read only the folder that holds this id (chains never leave their project folder)
    const cache = this.#options.cache
    if (!cache.refreshed) {
      // a known id's folder is read again too (one stat per file): a 1.0.x resume made since
      // then is a new file there, a new member of this id's chain
      const known = cache.byClaudeId(id)
      const folders =
        known === undefined
          ? await cache.foldersOf(id)
          : cache.folderHasNewFiles(dirname(known.path))
            ? [dirname(known.path)]
            : []
      if (folders.length > 0) await cache.refreshFolders(folders)
      if (cache.byClaudeId(id) === undefined) await this.#transcripts()
    }
    if (this.#options.cache.byClaudeId(id) !== undefined) {
      // a chain member we already know makes the whole chain ours (a resume made elsewhere)
      const { ids } = this.#component(id)
      const world = await this.#world()
      const known = [...new Set(ids.flatMap((member) => world.map.byClaudeId.get(member) ?? []))]
      if (known.length === 1) return this.#adoptFromTranscripts(known[0] as StableId, id, searched, "transcripts")
      return this.#fromTranscripts(id, "transcripts", searched, null, 1)
    }
    searched.push("history", "jobs")
    const homes = this.#options.claudeHomes
    const cheap = [
      ...(await collectPromise(historyPromiseSource({ roots: homes }), { claudeSessionId: id })),
      ...(await collectPromise(jobsPromiseSource({ roots: homes }), { claudeSessionId: id }))
    ].filter((d): d is SessionFound => d._tag === "SessionFound")
    const first = aggregate(cheap)[0]
    if (first !== undefined) {
      return {
        stableId: null,
        claudeSessionIds: [id],
        latestClaudeSessionId: id,
        forks: [],
        forkedFrom: null,
        cwd: first.cwd ?? null,
        host: HOST,
        transcripts: [],
        transcriptHosts: {},
        status: "unknown",
        resolvedBy: first.source === "jobs" ? "jobs" : "history",
        confidence: first.confidence,
        evidence: [first.evidence],
        searched
      }
    }
    throw new SessionNotFound({ reference, searched, message: `no Claude session ${id} in ${searched.join(", ")}` })
  }

  // --- prefixes ------------------------------------------------------------------------

  async resolvePrefix(prefix: string, reference: string = prefix): Promise<Resolution> {
    const world = await this.#world()
    await this.#transcripts()
    const matches = new Map<string, Candidate>()
    for (const view of world.map.sessions.values()) {
      if (view.id.startsWith(prefix) || view.id.startsWith(`cc-session-${prefix}`)) {
        matches.set(view.id, {
          stableId: view.id,
          claudeSessionId: view.latestClaudeSessionId ?? null,
          source: "store",
          ...(view.cwd === undefined ? {} : { cwd: view.cwd })
        })
      }
    }
    const claudeIds = new Set<string>([
      ...world.map.byClaudeId.keys(),
      ...this.#options.cache.all().map((t) => t.claudeSessionId)
    ])
    for (const id of claudeIds) {
      if (!id.startsWith(prefix)) continue
      const owners = world.map.byClaudeId.get(id as ClaudeSessionId) ?? []
      const key = owners.length === 1 ? (owners[0] as string) : id
      if (!matches.has(key))
        matches.set(key, {
          stableId: owners[0] ?? null,
          claudeSessionId: id,
          source: owners.length > 0 ? "store" : "transcripts"
        })
    }
    if (matches.size === 1) {
      const [key] = matches.keys()
      return this.resolve(key as string)
    }
    if (matches.size === 0) {
      throw new SessionNotFound({
        reference,
        searched: ["store", "transcripts"],
        message: `no session id starts with ${prefix}`
      })
    }
    throw new AmbiguousSession({
      reference,
      candidates: [...matches.values()],
      message: `${matches.size} sessions start with ${prefix}: type more of the id`
    })
  }

  // --- tokens --------------------------------------------------------------------------

  async resolveToken(token: ContinuationToken, reference: string): Promise<Resolution> {
    const searched: Array<string> = []
    if (token.stableId !== undefined) {
      searched.push("store")
      const world = await this.#world()
      const view = world.map.sessions.get(token.stableId)
      if (view !== undefined && view.claudeSessionIds.length > 0)
        return this.#fromView(view, "store", searched, ["event log"])
    }
    searched.push("transcripts")
    const candidates = fittingCandidates(
      { startedAt: token.startedAt.getTime(), cwd: token.cwd, promptHash: { prefix: token.promptHashPrefix } },
      await this.#transcripts(),
      this.#matchRule()
    )
    const roots = new Map(
      this.#oneFromEachChain(candidates.map(transcriptToDiscovery)).map((f) => [f.claudeSessionId, f])
    )
    if (roots.size === 1) {
      const t = [...roots.values()][0] as SessionFound
      const world = await this.#world()
      const seed = t.claudeSessionId as ClaudeSessionId
      const owners = [...new Set(this.#component(seed).ids.flatMap((id) => world.map.byClaudeId.get(id) ?? []))]
      if (token.stableId !== undefined && owners.length === 0 && world.map.sessions.has(token.stableId)) {
        return this.#adoptFromTranscripts(token.stableId, seed, searched, "token")
      }
      const resolution = await this.#fromTranscripts(
        seed,
        "token",
        searched,
        owners.length === 1 ? (owners[0] as StableId) : (token.stableId ?? null),
        0.9
      )
      return resolution
    }
    if (roots.size > 1) {
      throw new AmbiguousSession({
        reference,
        candidates: [...roots.values()].map((t) => candidateOf(t, "transcripts")),
        message: `${roots.size} sessions match this token (same cwd, start window and first prompt)`
      })
    }
    throw new SessionNotFound({
      reference,
      searched,
      message: "no transcript matches this token's cwd, start time and first prompt"
    })
  }

  // --- latest in a cwd -----------------------------------------------------------------

  /** The most recently active session in `cwd` (exact cwd first, then the same repository). */
  async latestInCwd(cwd: string): Promise<Resolution> {
    const world = await this.#world()
    const transcripts = await this.#transcripts()
    type Hit = { at: string; relation: "exact" | "repository"; ref: string }
    const hits: Array<Hit> = []
    for (const view of world.map.sessions.values()) {
      if (view.cwd === undefined) continue
      const relation = cwdRelation(cwd, view.cwd, this.#relationOptions())
      if (relation !== "none") hits.push({ at: view.updatedAt, relation, ref: view.id })
    }
    for (const t of transcripts) {
      if (t.cwd === undefined) continue
      const relation = cwdRelation(cwd, t.cwd, this.#relationOptions())
      if (relation !== "none")
        hits.push({ at: t.lastTimestamp ?? t.firstTimestamp ?? "", relation, ref: t.claudeSessionId })
    }
    const exact = hits.filter((h) => h.relation === "exact")
    const pool = (exact.length > 0 ? exact : hits).sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : 0))
    const best = pool[0]
    if (best === undefined)
      throw new SessionNotFound({
        reference: cwd,
        searched: ["store", "transcripts"],
        message: `no session ran in ${cwd}`
      })
    return this.resolve(best.ref)
  }
}

const sessionsFound = (discoveries: ReadonlyArray<Discovery>): Array<SessionFound> =>
  discoveries.filter((d): d is SessionFound => d._tag === "SessionFound")

/** One discovery per Claude id: earliest time, first prompt hash, any cwd. */
const aggregate = (found: ReadonlyArray<SessionFound>): Array<SessionFound> => {
  const byId = new Map<string, SessionFound>()
  for (const f of found) {
    const previous = byId.get(f.claudeSessionId)
    if (previous === undefined) {
      byId.set(f.claudeSessionId, f)
      continue
    }
    byId.set(f.claudeSessionId, {
      ...previous,
      ...(previous.promptHash === undefined && f.promptHash !== undefined ? { promptHash: f.promptHash } : {}),
      ...((f.firstTimestamp ?? "~") < (previous.firstTimestamp ?? "~") && f.firstTimestamp !== undefined
        ? { firstTimestamp: f.firstTimestamp }
        : {})
    })
  }
  return [...byId.values()]
}
