/** What a ChannelCoder session tells the event log: its stable id (by label) and its real Claude ids. */
import {
  type ClaudeSessionId,
  type EventLog,
  fold,
  isClaudeSessionId,
  makeEvent,
  newStableId,
  type SessionEvent,
  type StableId,
  sessionMap
} from "@cc/events"
import type { SessionState } from "channelcoder"

export interface OpenFacts {
  readonly cwd?: string
  readonly promptHash?: string
  readonly logPath?: string
  readonly at?: string
}

/** The stable id labeled `label`, made now (opened with `facts`) if there is none yet. */
export const stableIdFor = async (
  log: EventLog,
  label: string,
  facts: OpenFacts = {}
): Promise<{ id: StableId; known: ReadonlySet<string> }> => {
  const map = sessionMap(fold((await log.read()).events.map((s) => s.event)))
  const view = [...map.sessions.values()].find((v) => v.label === label)
  if (view !== undefined) return { id: view.id, known: new Set(view.claudeSessionIds) }
  const id = newStableId()
  await log.append([
    makeEvent(
      "session.opened",
      id,
      {
        cwd: facts.cwd ?? process.cwd(),
        mode: "detached",
        ...(facts.promptHash === undefined ? {} : { promptHash: facts.promptHash }),
        ...(facts.logPath === undefined ? {} : { logPath: facts.logPath })
      },
      facts.at === undefined ? {} : { at: facts.at }
    ),
    makeEvent("session.labeled", id, { label })
  ])
  return { id, known: new Set() }
}

/** Claude ids seen by ChannelCoder (or put there by a repair), recorded once each. */
export const recordIds = async (
  log: EventLog,
  id: StableId,
  known: ReadonlySet<string>,
  ids: ReadonlyArray<string>,
  evidence: string
): Promise<void> => {
  const events: Array<SessionEvent> = ids
    .filter((c): c is ClaudeSessionId => isClaudeSessionId(c) && !known.has(c))
    .map((claudeSessionId) =>
      makeEvent("claude.observed", id, { claudeSessionId, source: "channelcoder", evidence, confidence: 0.95 })
    )
  if (events.length > 0) await log.append(events)
}

/** Every save: the session's stable id exists, and each real Claude id it holds is recorded. */
export const recordSave = async (
  log: EventLog,
  label: string,
  state: SessionState,
  facts: OpenFacts = {}
): Promise<void> => {
  const ids = [...new Set([...state.sessionChain, ...state.messages.map((m) => m.sessionId)])]
  const { id, known } = await stableIdFor(log, label, facts)
  await recordIds(log, id, known, ids, `ChannelCoder session ${label.slice("channelcoder:".length)}`)
}
