/**
 * The plugin sources a resolver asks, registered as data (`{ name, cost, source }`: a source's
 * own name and cost) and asked by one loop at the layer their cost names: `cheap` after the
 * detached run's log, `moderate` with history and jobs, `expensive` after the transcripts. A
 * source that throws is reported and skipped: one broken plugin never stops a resolution.
 */
import {
  type AnySource,
  asPromiseSource,
  collectPromise,
  type Discovery,
  type PromiseSource,
  type SourceCost,
  type SourceDiagnostic,
  type SourceQuery
} from "@cc/sources"
import type { SourceProblem } from "./resolution.js"

export class PluginLayers {
  readonly sources: ReadonlyArray<PromiseSource>
  readonly #problems: Array<SourceProblem> = []
  readonly #diagnostics: Array<SourceDiagnostic> = []

  constructor(
    sources: ReadonlyArray<AnySource>,
    private readonly onProblem?: (problem: SourceProblem) => void
  ) {
    this.sources = sources.map(asPromiseSource)
  }

  /** The sources asked at one cost (a source that names none is `moderate`). */
  of(cost: SourceCost): Array<PromiseSource> {
    return this.sources.filter((source) => (source.cost ?? "moderate") === cost)
  }

  /** Their names, for `searched`. */
  namesOf(cost: SourceCost): Array<string> {
    return this.of(cost).map((source) => source.name)
  }

  /** Asks the sources of one cost (or all), one after another; their diagnostics are kept aside. */
  async ask(cost: SourceCost | "all", query: SourceQuery): Promise<Array<Discovery>> {
    const out: Array<Discovery> = []
    for (const source of cost === "all" ? this.sources : this.of(cost)) {
      try {
        for (const d of await collectPromise(source, query)) {
          if (d._tag === "SourceDiagnostic") this.#diagnostics.push(d)
          else out.push(d)
        }
      } catch (error) {
        const problem = { source: source.name, message: error instanceof Error ? error.message : String(error) }
        this.#problems.push(problem)
        this.onProblem?.(problem)
      }
    }
    return out
  }

  /** Sources that threw so far (each was skipped for that question). */
  problems(): ReadonlyArray<SourceProblem> {
    return [...this.#problems]
  }

  /** What sources reported skipping so far (a torn file, an unreadable folder). */
  diagnostics(): ReadonlyArray<SourceDiagnostic> {
    return [...this.#diagnostics]
  }
}
