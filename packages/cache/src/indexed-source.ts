/**
 * The transcripts source served from the index: the same discoveries as `transcriptsSource`
 * (`@cc/sources`), with no transcript content read once the index is fresh.
 */
import {
  type Discovery,
  entryToDiscovery,
  matchesQuery,
  type PromiseSource,
  type SessionFound,
  type SourceDiagnostic,
  type SourceQuery
} from "@cc/sources"
import type { TranscriptCache } from "./cache.js"
import type { IndexedTranscript } from "./index-format.js"
import { toEntry } from "./transcript-entry.js"

/** A transcript of the index as the transcripts source would report it. */
export const transcriptToDiscovery = (t: IndexedTranscript): SessionFound => ({
  ...entryToDiscovery(toEntry(t)),
  evidence: `transcript ${t.path} (index)`,
  range: { from: 0, to: t.parsedOffset }
})

/** The index as the transcripts source. */
export const indexedTranscriptsPromiseSource = (cache: TranscriptCache): PromiseSource => ({
  name: "transcripts",
  discover: async function* (query: SourceQuery): AsyncGenerator<Discovery> {
    if (!cache.refreshed) {
      const result = await cache.refresh()
      yield* result.diagnostics as Array<SourceDiagnostic>
    }
    await cache.ensureFresh()
    for (const t of cache.all()) {
      if (query.claudeSessionId !== undefined && t.claudeSessionId !== query.claudeSessionId) continue
      const found = transcriptToDiscovery(t)
      if (matchesQuery(found, query)) yield found
    }
    for (const link of cache.links()) {
      yield {
        _tag: "LinkFound",
        source: "transcripts",
        from: link.from,
        to: link.to,
        kind: link.kind,
        evidence: link.evidence
      }
    }
  }
})
