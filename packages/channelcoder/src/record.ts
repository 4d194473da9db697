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

interface Known {
  readonly id: StableId
  readonly ids: Set<string>
}

/**
 * Records ChannelCoder sessions in one event log. The log is folded once, on first use: a
 * stream run saves its session after every chunk, and each save must not read the whole log.
 */
export class SessionRecorder {
  #known: Promise<Map<string, Known>> | undefined

  constructor(readonly log: EventLog) {}

  #byLabel(): Promise<Map<string, Known>> {
    this.#known ??= this.log.read().then(({ events }) => {
      const map = sessionMap(fold(events.map((s) => s.event)))
      const byLabel = new Map<string, Known>()
      for (const view of map.sessions.values()) {
        if (view.label !== undefined) byLabel.set(view.label, { id: view.id, ids: new Set(view.claudeSessionIds) })
      }
      return byLabel
    })
    return this.#known
  }

  /** The stable id labeled `label`, made now (opened with `facts`) if there is none yet. */
  async stableIdFor(label: string, facts: OpenFacts = {}): Promise<StableId> {
    const byLabel = await this.#byLabel()
    const known = byLabel.get(label)
    if (known !== undefined) return known.id
    const id = newStableId()
    byLabel.set(label, { id, ids: new Set() })
    await this.log.append([
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
    return id
  }

  /** Claude ids seen by ChannelCoder (or put there by a repair), each recorded once. */
  async recordIds(label: string, ids: ReadonlyArray<string>, evidence: string, facts: OpenFacts = {}): Promise<void> {
    const real = ids.filter((c): c is ClaudeSessionId => isClaudeSessionId(c))
    const id = await this.stableIdFor(label, facts)
    const known = (await this.#byLabel()).get(label) as Known
    const fresh = [...new Set(real)].filter((c) => !known.ids.has(c))
    if (fresh.length === 0) return
    for (const c of fresh) known.ids.add(c)
    const events: Array<SessionEvent> = fresh.map((claudeSessionId) =>
      makeEvent("claude.observed", id, { claudeSessionId, source: "channelcoder", evidence, confidence: 0.95 })
    )
    await this.log.append(events)
  }

  /** Every save: the session's stable id exists, and each real Claude id it holds is recorded. */
  recordSave(label: string, state: SessionState, facts: OpenFacts = {}): Promise<void> {
    const ids = [...state.sessionChain, ...state.messages.map((m) => m.sessionId)]
    return this.recordIds(label, ids, `ChannelCoder session ${label.slice("channelcoder:".length)}`, facts)
  }
}
