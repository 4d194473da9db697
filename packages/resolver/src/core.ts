/**
 * The parts every resolution path shares (`paths/`): the log's view, the plugin layers, the
 * chain graph, and how a finding becomes a resolution and events. `Resolver` (resolver.ts) is
 * the public face over it; the paths take it as their first argument.
 */
import { basename } from "node:path"
import { type IndexedTranscript, transcriptToDiscovery } from "@cc/cache"
import {
  type ClaudeSessionId,
  fold,
  HOST,
  makeEvent,
  type SessionEvent,
  type SessionMap,
  type SessionView,
  type SkippedLine,
  StableId,
  sessionMap
} from "@cc/events"
import type { PromiseSource, SessionFound, SourceDiagnostic } from "@cc/sources"
import { ChainGraph, orderWithTranscripts, viewInChainOrder } from "./chains.js"
import { AmbiguousSession, candidateOf, SessionNotFound } from "./errors.js"
import { forkedFromIn } from "./fork-of.js"
import { PluginLayers } from "./layers.js"
import { LogView } from "./log-view.js"
import { fittingCandidates, type MatchRule } from "./match.js"
import { cwdRelation } from "./repo.js"
import type { ForkedFrom, MatchWindow, Resolution, ResolvedBy, ResolverOptions, SourceProblem } from "./resolution.js"
import { settlingEvents } from "./settle.js"

/** The session a chain is folded under to order it by the fold's own rule (never recorded). */
const SCRATCH = StableId.make("cc-session-00000000-0000-4000-8000-000000000000")

const DEFAULT_WINDOW: MatchWindow = { beforeMs: 2 * 60_000, afterMs: 10 * 60_000 }

export class ResolverCore {
  readonly options: ResolverOptions
  readonly window: MatchWindow
  readonly logView: LogView
  readonly layers: PluginLayers
  /** The transcripts by first-prompt hash, made once per index state (`resolveRun`). */
  readonly state: {
    byPrompt?: { all: ReadonlyArray<IndexedTranscript>; map: Map<string, Array<IndexedTranscript>> }
  } = {}
  readonly chains: ChainGraph

  constructor(options: ResolverOptions) {
    this.options = options
    this.window = options.window ?? DEFAULT_WINDOW
    this.layers = new PluginLayers(options.sources ?? [], options.onSourceProblem)
    this.logView = new LogView(options.log)
    this.chains = new ChainGraph(options.cache)
  }

  /** The plugin sources, in the order they are asked. */
  get sources(): ReadonlyArray<PromiseSource> {
    return this.layers.sources
  }

  /** Plugin sources that threw so far (each was skipped for that question). */
  sourceProblems(): ReadonlyArray<SourceProblem> {
    return this.layers.problems()
  }

  /**
   * Makes the status of a session's runs true: a run whose processes (claude and its
   * supervisor, told apart from a reused pid by their start times) are all gone gets the
   * `run.finished` nobody wrote — from its log's `result` line (`finished` or `failed`), or
   * `lost` with the reason. A run on another host, or one whose processes cannot be checked, is
   * left as it is. Returns the view as it is now.
   */
  async settle(id: StableId): Promise<SessionView | undefined> {
    const settled = await this.settleRuns(id)
    return settled === undefined ? undefined : this.inChainOrder(settled)
  }

  async settleRuns(id: StableId): Promise<SessionView | undefined> {
    const view = await this.logView.view(id)
    if (view === undefined || view.status !== "running") return view
    const events = await settlingEvents(view)
    if (events.length > 0 && this.options.record !== false) await this.options.log.append(events)
    return this.logView.view(id)
  }

  /** What plugin sources reported skipping so far (a torn file, an unreadable folder). */
  sourceDiagnostics(): ReadonlyArray<SourceDiagnostic> {
    return this.layers.diagnostics()
  }

  /** The session map folded from the event log, brought up to date (only what was appended is read). */
  sessions(): Promise<SessionMap> {
    return this.logView.sessions()
  }

  /** Lines of the event log that could not be read (each once, with its offset). */
  logDiagnostics(): ReadonlyArray<SkippedLine> {
    return this.logView.diagnostics()
  }

  // --- layer 1 -------------------------------------------------------------------------

  async fromView(
    view: SessionView,
    resolvedBy: ResolvedBy,
    searched: ReadonlyArray<string>,
    evidence: ReadonlyArray<string>
  ): Promise<Resolution> {
    view = viewInChainOrder(view, this.options.cache)
    const confidence = Math.max(0, ...view.claudeSessionIds.map((id) => view.provenance[id]?.confidence ?? 0))
    const transcripts = new Set(view.transcripts)
    for (const id of view.claudeSessionIds) for (const path of this.options.cache.pathsOf(id)) transcripts.add(path)
    return {
      stableId: view.id,
      claudeSessionIds: view.claudeSessionIds,
      latestClaudeSessionId: view.latestClaudeSessionId ?? null,
      forks: view.forks.map(({ from, to }) => ({ from, to })),
      forkedFrom: await this.forkedFrom(view.claudeSessionIds, view),
      cwd: view.cwd ?? null,
      host: view.host ?? null,
      transcripts: [...transcripts].sort(),
      transcriptHosts: this.hostsOf([...transcripts], view.transcriptHosts),
      status: view.status,
      resolvedBy,
      confidence: view.claudeSessionIds.length === 0 ? 0 : confidence,
      evidence,
      searched
    }
  }

  /** Each transcript's hosts: as the events recorded them, and this host for one the index has here. */
  hostsOf(
    paths: ReadonlyArray<string>,
    recorded: Readonly<Record<string, ReadonlyArray<string>>>
  ): Record<string, ReadonlyArray<string>> {
    const out: Record<string, ReadonlyArray<string>> = {}
    for (const path of paths) {
      const here = this.options.cache.pathsOf(basename(path, ".jsonl")).includes(path)
      out[path] = [...new Set([...(recorded[path] ?? []), ...(here ? [HOST] : [])])].sort()
    }
    return out
  }

  /** The transcripts of a chain found here, with this host for each. */
  localTranscripts(ids: ReadonlyArray<string>): {
    transcripts: Array<string>
    transcriptHosts: Record<string, ReadonlyArray<string>>
  } {
    const transcripts = ids.flatMap((id) => this.options.cache.pathsOf(id)).sort()
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
    return forkedFromIn(chain, view, {
      ...(options.transcripts === false ? {} : { transcriptLinksInto: (id) => this.options.cache.linksInto(id) }),
      latestOf: (id) => this.logView.knownView(id)?.latestClaudeSessionId,
      ownersOf: (id) => this.logView.knownOwners(id)
    })
  }

  /** `forkedFromOf`, having read first what it needs of the log (the parent's session, or who claims it). */
  async forkedFrom(chain: ReadonlyArray<ClaudeSessionId>, view?: SessionView): Promise<ForkedFrom | null> {
    const link = this.chains.forkLinkInto(chain, view, {})
    if (link !== undefined) await this.logView.owners(link.from)
    else if (view?.forkOf !== undefined) await this.logView.view(view.forkOf)
    return this.forkedFromOf(chain, view)
  }

  // --- recording -----------------------------------------------------------------------

  async record(
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
    if (this.options.record === false) return
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
    if (events.length > 0) await this.options.log.append(events)
  }

  /** Records what was found, then the session as the log now has it. */
  async recordAndView(
    stableId: StableId,
    found: ReadonlyArray<SessionFound>,
    links: Parameters<ResolverCore["record"]>[2]
  ): Promise<SessionView> {
    await this.record(stableId, found, links)
    const view = await this.logView.view(stableId)
    // the session was read before it was recorded to: only a store that lost it ends here
    if (view === undefined)
      throw new SessionNotFound({
        reference: stableId,
        searched: ["store"],
        message: `session ${stableId} is gone from the event log while it was being resolved`
      })
    return view
  }

  // --- transcripts (layer 4) -----------------------------------------------------------

  async transcripts(): Promise<ReadonlyArray<IndexedTranscript>> {
    await this.options.cache.ensureFresh()
    return this.options.cache.all()
  }

  /** A resolution built from transcripts alone (no stable id). */
  async fromTranscripts(
    seed: ClaudeSessionId,
    resolvedBy: ResolvedBy,
    searched: ReadonlyArray<string>,
    stableId: StableId | null,
    confidence: number
  ): Promise<Resolution> {
    const { ids, links } = this.chains.component(seed)
    // the chain order is the fold's: one rule for ordering chains, whoever asks
    const events: Array<SessionEvent> = []
    for (const id of ids) {
      const t = this.options.cache.byClaudeId(id)
      events.push(
        makeEvent(
          "claude.observed",
          SCRATCH,
          { claudeSessionId: id, source: "transcripts", evidence: t?.path ?? "link", confidence: 1 },
          t?.firstTimestamp === undefined ? {} : { at: t.firstTimestamp }
        )
      )
    }
    for (const link of links) events.push(makeEvent("chain.linked", SCRATCH, link))
    // the seed's own event is folded, so the view is there; the seed alone if it were not
    const view = sessionMap(fold(events)).sessions.get(SCRATCH)
    const claudeSessionIds = view?.claudeSessionIds ?? [seed]
    const seedFacts = this.options.cache.byClaudeId(seed)
    return {
      stableId,
      claudeSessionIds,
      latestClaudeSessionId: view?.latestClaudeSessionId ?? null,
      forks: (view?.forks ?? []).map(({ from, to }) => ({ from, to })),
      forkedFrom: await this.forkedFrom(claudeSessionIds),
      cwd: seedFacts?.cwd ?? null,
      host: HOST,
      ...this.localTranscripts(ids),
      status: "unknown",
      resolvedBy,
      confidence,
      evidence: links.map((l) => l.evidence),
      searched
    }
  }

  /** The Claude chain that holds `id`, in the one chain order (resume links; forks are not members). */
  chainOf(id: ClaudeSessionId): Array<ClaudeSessionId> {
    return this.oldestFirst(this.chains.component(id).ids)
  }

  /** Claude ids in the one chain order: the transcripts' links, then their first entries, then id. */
  oldestFirst(ids: Iterable<ClaudeSessionId>): Array<ClaudeSessionId> {
    return orderWithTranscripts(ids, [], this.options.cache)
  }

  /**
   * A stable session's view with its chain in the one order (the event log's links and the
   * transcripts'), for listings that read views without resolving each one. Reads nothing.
   */
  inChainOrder(view: SessionView): SessionView {
    return viewInChainOrder(view, this.options.cache)
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
    return this.adoptFromTranscripts(id, claudeId, ["store", "transcripts"], how.resolvedBy, how)
  }

  async adoptFromTranscripts(
    id: StableId,
    claudeId: ClaudeSessionId,
    searched: ReadonlyArray<string>,
    resolvedBy: ResolvedBy,
    how: { readonly evidence?: string; readonly confidence: number } = { confidence: 0.9 }
  ): Promise<Resolution> {
    const { ids, links } = this.chains.component(claudeId)
    const found = ids.flatMap((member) => {
      const t = this.options.cache.byClaudeId(member)
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
    const next = await this.recordAndView(id, found, links)
    return this.fromView(
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
  match(
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
      this.matchRule()
    )
    const unique = this.chains.oneFromEachChain(pool)
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

  /** The match rule's window and cwd relation, as this resolver was given them. */
  matchRule(): MatchRule {
    return {
      ...this.window,
      relation: (recorded, candidate) => cwdRelation(recorded, candidate, this.relationOptions())
    }
  }

  relationOptions() {
    return {
      ...(this.options.mappings === undefined ? {} : { mappings: this.options.mappings }),
      ...(this.options.useGit === undefined ? {} : { useGit: this.options.useGit })
    }
  }
}
