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

import { type IndexedTranscript, type TranscriptCache, transcriptToDiscovery } from "@cc/cache"
import {
  type ClaudeSessionId,
  type EventLog,
  Folder,
  fold,
  isClaudeSessionId,
  isStableId,
  makeEvent,
  type SessionEvent,
  type SessionMap,
  type SessionStatus,
  type SessionView,
  type StableId,
  sessionMap,
  sessionView
} from "@cc/events"
import {
  collectPromise,
  detachedLogPromiseSource,
  historyPromiseSource,
  jobsPromiseSource,
  type SessionFound
} from "@cc/sources"
import { AmbiguousSession, type Candidate, InvalidReference, SessionNotFound } from "./errors.js"
import { cwdRelation, type PathMapping } from "./repo.js"
import { type ContinuationToken, decodeToken, isTokenLike } from "./token.js"

export type ResolvedBy = "store" | "sidecar" | "detached-log" | "history" | "jobs" | "transcripts" | "token"

export interface Resolution {
  readonly stableId: StableId | null
  /** The Claude session chain, oldest first. */
  readonly claudeSessionIds: ReadonlyArray<ClaudeSessionId>
  /** The id to resume. */
  readonly latestClaudeSessionId: ClaudeSessionId | null
  readonly forks: ReadonlyArray<{ readonly from: ClaudeSessionId; readonly to: ClaudeSessionId }>
  readonly cwd: string | null
  readonly transcripts: ReadonlyArray<string>
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
  readonly #folder = new Folder()
  #offset = 0
  #map: SessionMap = { sessions: new Map(), byClaudeId: new Map() }

  constructor(options: ResolverOptions) {
    this.#options = options
    this.#window = options.window ?? DEFAULT_WINDOW
  }

  /** Resolves any reference: stable id, Claude id, unique prefix, or continuation token. */
  async resolve(reference: string): Promise<Resolution> {
    const parsed = parseReference(reference)
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
    const { events, nextOffset } = await this.#options.log.read({ from: this.#offset })
    this.#offset = nextOffset
    if (events.length === 0) return { map: this.#map }
    this.#folder.apply(events.map((stored) => stored.event))
    const touched = new Set(events.map((stored) => stored.event.session))
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

  #fromView(
    view: SessionView,
    resolvedBy: ResolvedBy,
    searched: ReadonlyArray<string>,
    evidence: ReadonlyArray<string>
  ): Resolution {
    const confidence = Math.max(0, ...view.claudeSessionIds.map((id) => view.provenance[id]?.confidence ?? 0))
    const transcripts = new Set(view.transcripts)
    for (const id of view.claudeSessionIds) {
      const path = this.#options.cache.byClaudeId(id)?.path
      if (path !== undefined) transcripts.add(path)
    }
    return {
      stableId: view.id,
      claudeSessionIds: view.claudeSessionIds,
      latestClaudeSessionId: view.latestClaudeSessionId ?? null,
      forks: view.forks.map(({ from, to }) => ({ from, to })),
      cwd: view.cwd ?? null,
      transcripts: [...transcripts].sort(),
      status: view.status,
      resolvedBy,
      confidence: view.claudeSessionIds.length === 0 ? 0 : confidence,
      evidence,
      searched
    }
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
    const chainLinks = links.filter((l) => l.kind !== "fork")
    const members = new Set<string>([seed])
    let grew = true
    while (grew) {
      grew = false
      for (const l of chainLinks) {
        if (members.has(l.from) !== members.has(l.to)) {
          members.add(l.from)
          members.add(l.to)
          grew = true
        }
      }
    }
    const relevant = links.filter((l) => members.has(l.from))
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
  #fromTranscripts(
    seed: ClaudeSessionId,
    resolvedBy: ResolvedBy,
    searched: ReadonlyArray<string>,
    stableId: StableId | null,
    confidence: number
  ): Resolution {
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
      cwd: seedFacts?.cwd ?? null,
      transcripts: ids.flatMap((id) => this.#options.cache.byClaudeId(id)?.path ?? []).sort(),
      status: "unknown",
      resolvedBy,
      confidence,
      evidence: links.map((l) => l.evidence),
      searched
    }
  }

  // --- stable ids ----------------------------------------------------------------------

  async resolveStable(id: StableId, reference: string = id): Promise<Resolution> {
    const world = await this.#world()
    const view = world.map.sessions.get(id)
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
        const next = (await this.#world()).map.sessions.get(id) as SessionView
        return this.#fromView(
          next,
          found[0]?.source === "sidecar" ? "sidecar" : "detached-log",
          searched,
          found.map((f) => f.evidence)
        )
      }
    }

    // a run still going whose log names no session yet is starting: its own log will say,
    // and a guess from other files now could hand it a neighbour's id
    if (view.status === "running" && view.logPath !== undefined) {
      throw new SessionNotFound({
        reference,
        searched,
        message: `session ${id} is still starting: its log ${view.logPath} names no Claude session yet`
      })
    }
    const owned = new Set(world.map.byClaudeId.keys())
    const createdAt = Date.parse(view.createdAt)

    // layer 3: history and background jobs
    searched.push("history", "jobs")
    const homes = this.#options.claudeHomes
    const cheap = [
      ...(await collectPromise(
        historyPromiseSource({ roots: homes }),
        view.cwd === undefined ? {} : { cwd: view.cwd }
      )),
      ...(await collectPromise(jobsPromiseSource({ roots: homes }), view.cwd === undefined ? {} : { cwd: view.cwd }))
    ].filter((d): d is SessionFound => d._tag === "SessionFound")
    const fromCheap = this.#match(view, createdAt, aggregate(cheap), owned, reference)
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
      const next = (await this.#world()).map.sessions.get(id) as SessionView
      return this.#fromView(next, fromCheap.source === "jobs" ? "jobs" : "history", searched, [fromCheap.evidence])
    }

    // layer 4: transcripts
    searched.push("transcripts")
    const transcripts = (await this.#transcripts()).map((t) => ({ ...t, source: "transcripts" }))
    const hit = this.#match(view, createdAt, transcripts.map(transcriptToDiscovery), owned, reference)
    if (hit !== undefined) return this.#adoptFromTranscripts(id, hit.claudeSessionId, searched, "transcripts")
    throw new SessionNotFound({
      reference,
      searched,
      message: `session ${id} has no Claude session id yet: nothing in ${searched.join(", ")} matches its cwd and start time`
    })
  }

  async #adoptFromTranscripts(
    id: StableId,
    claudeId: ClaudeSessionId,
    searched: ReadonlyArray<string>,
    resolvedBy: ResolvedBy
  ): Promise<Resolution> {
    const { ids, links } = this.#component(claudeId)
    const found = ids.flatMap((member) => {
      const t = this.#options.cache.byClaudeId(member)
      return t === undefined
        ? []
        : [
            {
              ...transcriptToDiscovery(t),
              confidence: 0.9,
              evidence: `matched by cwd, start time and first prompt: ${t.path}`
            }
          ]
    })
    await this.#record(id, found, links)
    const next = (await this.#world()).map.sessions.get(id) as SessionView
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
    const cwd = view.cwd
    const inWindow = found.filter((f) => {
      if (owned.has(f.claudeSessionId) || f.cwd === undefined || f.firstTimestamp === undefined) return false
      const at = Date.parse(f.firstTimestamp)
      if (at < createdAt - this.#window.beforeMs || at > createdAt + this.#window.afterMs) return false
      // when we know the first prompt, so must the candidate: a transcript whose head does not
      // show its first prompt yet (still being written) is no match, or a run starting beside
      // another in the same cwd could be handed the other's id
      return view.promptHash === undefined || f.promptHash === view.promptHash
    })
    const related = inWindow
      .map((f) => ({ f, relation: cwdRelation(cwd, f.cwd as string, this.#relationOptions()) }))
      .filter((r) => r.relation !== "none")
    const exact = related.filter((r) => r.relation === "exact")
    const pool = (exact.length > 0 ? exact : related).map((r) => r.f)
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

  #relationOptions() {
    return {
      ...(this.#options.mappings === undefined ? {} : { mappings: this.#options.mappings }),
      ...(this.#options.useGit === undefined ? {} : { useGit: this.#options.useGit })
    }
  }

  // --- Claude ids ----------------------------------------------------------------------

  async resolveClaude(id: ClaudeSessionId, reference: string = id): Promise<Resolution> {
    const world = await this.#world()
    const owners = world.map.byClaudeId.get(id) ?? []
    if (owners.length === 1)
      return this.#fromView(
        world.map.sessions.get(owners[0] as StableId) as SessionView,
        "store",
        ["store"],
        ["event log"]
      )
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
      const folders = cache.byClaudeId(id) === undefined ? await cache.foldersOf(id) : []
      if (folders.length > 0) await cache.refreshFolders(folders)
      if (cache.byClaudeId(id) === undefined) await this.#transcripts()
    }
    if (this.#options.cache.byClaudeId(id) !== undefined) {
      // a chain member we already know makes the whole chain ours (a resume made elsewhere)
      const { ids } = this.#component(id)
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
        cwd: first.cwd ?? null,
        transcripts: [],
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
    const start = token.startedAt.getTime()
    const candidates = (await this.#transcripts()).filter((t) => {
      if (t.cwd === undefined || t.firstTimestamp === undefined || t.promptHash === undefined) return false
      if (!t.promptHash.startsWith(token.promptHashPrefix)) return false
      const at = Date.parse(t.firstTimestamp)
      if (at < start - this.#window.beforeMs || at > start + this.#window.afterMs) return false
      return cwdRelation(token.cwd, t.cwd, this.#relationOptions()) !== "none"
    })
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
      const resolution = this.#fromTranscripts(
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
