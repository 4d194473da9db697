/**
 * What a run's first line (its `system/init`) tells the log, written once for every launcher
 * (the CLI's supervisor, `@cc/agent-sdk`'s query): the Claude id the run is in and, when it
 * answered a resume or fork with another id, the chain link, recorded under the parent's stable
 * id too so that both sessions' chains know the fork.
 */

import { makeEvent } from "./codec.js"
import type { ClaudeSessionId, StableId } from "./ids.js"
import type { SessionEvent } from "./schema.js"

export interface RunInit {
  readonly stableId: StableId
  readonly claudeSessionId: ClaudeSessionId
  /** Who saw it (`stream`, `agent-sdk`) and where (a log's byte offset, a message). */
  readonly source: string
  readonly evidence: string
  /** The id the run was asked to resume or fork. */
  readonly resumedFrom?: ClaudeSessionId
  readonly linkKind?: "resume" | "fork"
  readonly parentStableId?: StableId
  /** Who made the link (`launcher`, `agent-sdk`). */
  readonly linkSource: string
}

export const runInitEvents = (init: RunInit): Array<SessionEvent> => {
  const events: Array<SessionEvent> = [
    makeEvent("claude.observed", init.stableId, {
      claudeSessionId: init.claudeSessionId,
      source: init.source,
      evidence: init.evidence,
      confidence: 1
    })
  ]
  if (init.resumedFrom !== undefined && init.resumedFrom !== init.claudeSessionId) {
    const link = {
      from: init.resumedFrom,
      to: init.claudeSessionId,
      kind: init.linkKind ?? "resume",
      source: init.linkSource,
      evidence: `--resume ${init.resumedFrom} answered with ${init.claudeSessionId}`
    } as const
    events.push(makeEvent("chain.linked", init.stableId, link))
    if (init.parentStableId !== undefined) events.push(makeEvent("chain.linked", init.parentStableId, link))
  }
  return events
}
