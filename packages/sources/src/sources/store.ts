/**
 * Our own event log as a source: every Claude id a stable session already knows, with the
 * links between them. The first and cheapest layer of resolution.
 */
import { type EventLog, fold, sessionMap } from "@cc/events"
import type { Discovery, PromiseSource, SourceQuery } from "../discovery.js"
import { fromPromiseSource, type Source } from "../discovery.js"
import { matchesTimeWindow } from "./transcripts.js"

export const STORE_SOURCE = "store"

async function* discoverStore(log: EventLog, query: SourceQuery): AsyncGenerator<Discovery> {
  const { events, diagnostics } = await log.read()
  for (const d of diagnostics) {
    yield {
      _tag: "SourceDiagnostic",
      source: STORE_SOURCE,
      severity: "warning",
      reason: d._tag === "SkippedLine" ? `event log line skipped: ${d.reason}` : "torn tail repaired",
      path: log.location,
      offset: d.offset
    }
  }
  const map = sessionMap(fold(events.map((stored) => stored.event)))
  for (const view of map.sessions.values()) {
    if (query.stableId !== undefined && view.id !== query.stableId) continue
    if (query.claudeSessionId !== undefined && !view.claudeSessionIds.includes(query.claudeSessionId)) continue
    if (query.cwd !== undefined && view.cwd !== query.cwd) continue
    if (query.promptHash !== undefined && view.promptHash !== query.promptHash) continue
    for (const claudeSessionId of view.claudeSessionIds) {
      const provenance = view.provenance[claudeSessionId]
      const found: Discovery = {
        _tag: "SessionFound",
        source: STORE_SOURCE,
        claudeSessionId,
        stableId: view.id,
        confidence: provenance?.confidence ?? 1,
        evidence: `event log: seen by ${provenance?.sources.join(", ") ?? "links"}`,
        path: log.location,
        ...(view.cwd === undefined ? {} : { cwd: view.cwd }),
        firstTimestamp: provenance?.firstSeen ?? view.createdAt,
        lastTimestamp: provenance?.lastSeen ?? view.updatedAt,
        ...(view.promptHash === undefined ? {} : { promptHash: view.promptHash })
      }
      if (matchesTimeWindow(found, query)) yield found
    }
    for (const link of view.links) {
      yield {
        _tag: "LinkFound",
        source: STORE_SOURCE,
        from: link.from,
        to: link.to,
        kind: link.kind,
        stableId: view.id,
        evidence: link.evidence.map((e) => `${e.source}: ${e.evidence}`).join("; ")
      }
    }
  }
}

export const storePromiseSource = (log: EventLog): PromiseSource => ({
  name: STORE_SOURCE,
  discover: (query) => discoverStore(log, query)
})

export const storeSource = (log: EventLog): Source => fromPromiseSource(storePromiseSource(log))
