/**
 * Layered, lazy resolution. Cheapest first, stopping as soon as the answer is certain:
 *
 *   1. store        our folded event log
 *   2. detached-log the detached run's sidecar and stream log (its `logPath`)
 *   3. history/jobs `history.jsonl` and `claude --bg` job states
 *   4. transcripts  Claude's own transcripts, through the index (@cc/cache)
 *
 * Every discovery made on the way is appended to the event log (the cache of record), so the
 * next resolution of the same session stops at layer 1. This class is the public face; the
 * shared parts are in `core.ts`, each kind of reference's path under `paths/`.
 */
import type { ClaudeSessionId, SessionMap, SessionView, SkippedLine, StableId } from "@cc/events"
import type { PromiseSource, SourceDiagnostic, SourceQuery, UnresolvedSession } from "@cc/sources"
import { ResolverCore } from "./core.js"
import { InvalidReference } from "./errors.js"
import { resolveClaude } from "./paths/claude.js"
import { latestInCwd, resolvePrefix, resolveToken } from "./paths/prefix.js"
import { resolveNamed, resolveRun, unresolvedRuns } from "./paths/runs.js"
import { resolveStable } from "./paths/stable.js"
import { resolveTitle, TITLE_PREFIX } from "./paths/title.js"
import { parseReference, type Reference } from "./reference.js"
import type { ForkedFrom, Resolution, ResolvedBy, ResolverOptions, SourceProblem } from "./resolution.js"
import type { RunOutcome } from "./runs.js"
import type { ContinuationToken } from "./token.js"

export class Resolver {
  readonly #core: ResolverCore

  constructor(options: ResolverOptions) {
    this.#core = new ResolverCore(options)
  }

  /** The plugin sources, in the order they are asked. */
  get sources(): ReadonlyArray<PromiseSource> {
    return this.#core.sources
  }

  /** Plugin sources that threw so far (each was skipped for that question). */
  sourceProblems(): ReadonlyArray<SourceProblem> {
    return this.#core.sourceProblems()
  }

  /** What plugin sources reported skipping so far (a torn file, an unreadable folder). */
  sourceDiagnostics(): ReadonlyArray<SourceDiagnostic> {
    return this.#core.sourceDiagnostics()
  }

  /** The session map folded from the event log, brought up to date (only what was appended is read). */
  sessions(): Promise<SessionMap> {
    return this.#core.sessions()
  }

  /** Lines of the event log that could not be read (each once, with its offset). */
  logDiagnostics(): ReadonlyArray<SkippedLine> {
    return this.#core.logDiagnostics()
  }

  /**
   * Makes the status of a session's runs true (a run whose processes are all gone gets the
   * `run.finished` nobody wrote) and returns its view as it is now, in the one chain order.
   */
  settle(id: StableId): Promise<SessionView | undefined> {
    return this.#core.settle(id)
  }

  /** Resolves any reference: stable id, Claude id, unique prefix, or continuation token. */
  async resolve(reference: string): Promise<Resolution> {
    const text = reference.trim()
    if (text.startsWith(TITLE_PREFIX)) {
      const titled = await resolveTitle(this.#core, text.slice(TITLE_PREFIX.length), reference, true)
      if (titled !== undefined) return titled
    }
    let parsed: Reference
    try {
      parsed = parseReference(reference)
    } catch (error) {
      // not one of our reference kinds: a title, a label, or a name a plugin source knows
      if (error instanceof InvalidReference && text !== "") {
        const titled = await resolveTitle(this.#core, text, reference, false)
        return titled ?? resolveNamed(this.#core, text, error)
      }
      throw error
    }
    switch (parsed._tag) {
      case "Stable":
        return resolveStable(this.#core, parsed.id, reference)
      case "Claude":
        return resolveClaude(this.#core, parsed.id, reference)
      case "Prefix":
        return resolvePrefix(this.#core, parsed.prefix, reference)
      case "Token":
        return resolveToken(this.#core, parsed.token, reference)
    }
  }

  resolveStable(id: StableId, reference: string = id): Promise<Resolution> {
    return resolveStable(this.#core, id, reference)
  }

  resolveClaude(id: ClaudeSessionId, reference: string = id): Promise<Resolution> {
    return resolveClaude(this.#core, id, reference)
  }

  resolvePrefix(prefix: string, reference: string = prefix): Promise<Resolution> {
    return resolvePrefix(this.#core, prefix, reference)
  }

  resolveToken(token: ContinuationToken, reference: string): Promise<Resolution> {
    return resolveToken(this.#core, token, reference)
  }

  /** A name that is none of our reference kinds: a label in the log, else what the plugin sources say. */
  resolveNamed(name: string, invalid?: InvalidReference): Promise<Resolution> {
    return resolveNamed(this.#core, name, invalid)
  }

  /** Matches one run without a Claude id (a plugin's `UnresolvedSession`) to its transcript. */
  resolveRun(run: UnresolvedSession): Promise<RunOutcome> {
    return resolveRun(this.#core, run)
  }

  /** Every run the plugin sources know without a Claude id, each matched to its transcript. */
  unresolvedRuns(query: SourceQuery = {}): Promise<Array<RunOutcome>> {
    return unresolvedRuns(this.#core, query)
  }

  /** The most recently active session in `cwd` (exact cwd first, then the same repository). */
  latestInCwd(cwd: string): Promise<Resolution> {
    return latestInCwd(this.#core, cwd)
  }

  /** The Claude chain that holds `id`, in the one chain order (resume links; forks are not members). */
  chainOf(id: ClaudeSessionId): Array<ClaudeSessionId> {
    return this.#core.chainOf(id)
  }

  /** A stable session's view with its chain in the one order, for listings. Reads nothing. */
  inChainOrder(view: SessionView): SessionView {
    return this.#core.inChainOrder(view)
  }

  /** Gives a stable id the whole chain of a Claude id found in the transcripts (`recover --adopt`). */
  adopt(
    id: StableId,
    claudeId: ClaudeSessionId,
    how: { readonly resolvedBy: ResolvedBy; readonly evidence?: string; readonly confidence: number }
  ): Promise<Resolution> {
    return this.#core.adopt(id, claudeId, how)
  }

  /** The parent of a chain, from what is read already (listings ask it of every session). */
  forkedFromOf(
    chain: ReadonlyArray<ClaudeSessionId>,
    view?: SessionView,
    options: { readonly transcripts?: boolean } = {}
  ): ForkedFrom | null {
    return this.#core.forkedFromOf(chain, view, options)
  }

  /** `forkedFromOf`, having read first what it needs of the log. */
  forkedFrom(chain: ReadonlyArray<ClaudeSessionId>, view?: SessionView): Promise<ForkedFrom | null> {
    return this.#core.forkedFrom(chain, view)
  }
}
