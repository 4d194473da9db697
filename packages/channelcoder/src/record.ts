/**
 * What ChannelCoder sessions tell the event log. A ChannelCoder name stands for one
 * conversation at a time: `session({ name })` and `clear()` start a new one under the same
 * file, so each conversation gets its own stable id, labeled `channelcoder:<name>`, and the
 * conversation it replaced keeps its id under a label that says so. Two conversations are never
 * merged under one stable id because they shared a name.
 */
import {
  type ClaudeSessionId,
  type EventLog,
  fold,
  HOST,
  isClaudeSessionId,
  labelEvents,
  makeEvent,
  newStableId,
  processStartTime,
  type SessionEvent,
  type SessionMode,
  type StableId,
  sessionMap
} from "@cc/events"
import type { SessionState } from "channelcoder"

export interface OpenFacts {
  readonly cwd?: string
  readonly mode?: SessionMode
  readonly promptHash?: string
  readonly logPath?: string
  readonly at?: string
}

interface Known {
  readonly id: StableId
  readonly createdAt: string
  readonly ids: Set<string>
}

/**
 * Records ChannelCoder sessions in one event log. The log is folded once, on first use: a
 * stream run saves its session after every chunk, and each save must not read the whole log.
 */
export class SessionRecorder {
  #known: Promise<Map<string, Known>> | undefined
  /** Claude ids recorded per stable id (labeled or not). */
  readonly #recorded = new Map<StableId, Set<string>>()

  constructor(readonly log: EventLog) {}

  #byLabel(): Promise<Map<string, Known>> {
    this.#known ??= this.log.read().then(({ events }) => {
      const map = sessionMap(fold(events.map((s) => s.event)))
      const byLabel = new Map<string, Known>()
      for (const view of map.sessions.values()) {
        if (view.label === undefined) continue
        const previous = byLabel.get(view.label)
        // two holders of one label (written by an older version): the newest conversation holds it
        if (previous !== undefined && previous.createdAt > view.createdAt) continue
        byLabel.set(view.label, { id: view.id, createdAt: view.createdAt, ids: new Set(view.claudeSessionIds) })
        this.#recorded.set(view.id, new Set(view.claudeSessionIds))
      }
      return byLabel
    })
    return this.#known
  }

  /** The stable id that holds `label` now, if any. */
  async holder(label: string): Promise<StableId | undefined> {
    return (await this.#byLabel()).get(label)?.id
  }

  /**
   * A new conversation: a new stable id, opened with `facts` and labeled `label` (when the
   * session has a name). The conversation that held the label before keeps its stable id under
   * `replacedLabel`.
   */
  async open(label: string | undefined, facts: OpenFacts): Promise<StableId> {
    const id = newStableId()
    const at = facts.at ?? new Date().toISOString()
    const events: Array<SessionEvent> = [
      makeEvent(
        "session.opened",
        id,
        {
          cwd: facts.cwd ?? process.cwd(),
          mode: facts.mode ?? "detached",
          ...(facts.promptHash === undefined ? {} : { promptHash: facts.promptHash }),
          ...(facts.logPath === undefined ? {} : { logPath: facts.logPath })
        },
        { at }
      )
    ]
    this.#recorded.set(id, new Set())
    if (label !== undefined) {
      const byLabel = await this.#byLabel()
      const previous = byLabel.get(label)
      events.push(...labelEvents(id, label, previous === undefined ? [] : [previous]))
      byLabel.set(label, { id, createdAt: at, ids: new Set() })
    }
    await this.log.append(events)
    return id
  }

  /** The stable id labeled `label`, made now (opened with `facts`) if there is none yet. */
  async stableIdFor(label: string, facts: OpenFacts = {}): Promise<StableId> {
    return (await this.holder(label)) ?? this.open(label, facts)
  }

  /** Claude ids of a conversation (a stream's init line, a saved chain, a repair), each recorded once. */
  async observed(
    id: StableId,
    ids: ReadonlyArray<string>,
    evidence: string,
    confidence = 0.95,
    transcriptPath?: string
  ): Promise<void> {
    await this.#byLabel()
    const known = this.#recorded.get(id) ?? new Set<string>()
    this.#recorded.set(id, known)
    const fresh = [...new Set(ids.filter((c): c is ClaudeSessionId => isClaudeSessionId(c)))].filter(
      (c) => !known.has(c)
    )
    if (fresh.length === 0) return
    for (const c of fresh) known.add(c)
    await this.log.append(
      fresh.map((claudeSessionId) =>
        makeEvent("claude.observed", id, {
          claudeSessionId,
          source: "channelcoder",
          evidence,
          confidence,
          ...(transcriptPath === undefined ? {} : { transcriptPath })
        })
      )
    )
  }

  /** A run of the conversation began (its pid, for a detached one whose end nobody waits for). */
  async runStarted(
    id: StableId,
    runId: string,
    facts: { readonly mode: SessionMode; readonly pid?: number; readonly logPath?: string }
  ): Promise<void> {
    await this.log.append([
      makeEvent("run.started", id, {
        runId,
        ...(facts.pid === undefined ? {} : { pid: facts.pid, pidStart: processStartTime(facts.pid) }),
        host: HOST,
        mode: facts.mode,
        ...(facts.logPath === undefined ? {} : { logPath: facts.logPath })
      })
    ])
  }

  /** A run this process waited for ended. */
  async runFinished(
    id: StableId,
    runId: string,
    outcome: { readonly exitCode: number | null; readonly isError: boolean }
  ) {
    await this.log.append([
      makeEvent("run.finished", id, { runId, exitCode: outcome.exitCode, isError: outcome.isError })
    ])
  }

  /** Claude ids seen by ChannelCoder (or put there by a repair), under the label's stable id. */
  async recordIds(label: string, ids: ReadonlyArray<string>, evidence: string, facts: OpenFacts = {}): Promise<void> {
    const real = ids.filter((c) => isClaudeSessionId(c))
    // a save with no real id yet opens nothing: the conversation is recorded by its first run
    if (real.length === 0 && (await this.holder(label)) === undefined && facts.cwd === undefined) return
    await this.observed(await this.stableIdFor(label, facts), real, evidence)
  }

  /** Every save of a storage used without the bridge: each real Claude id it holds is recorded. */
  recordSave(label: string, state: SessionState, facts: OpenFacts = {}): Promise<void> {
    const ids = [...state.sessionChain, ...state.messages.map((m) => m.sessionId)]
    return this.recordIds(label, ids, `ChannelCoder session ${label.slice("channelcoder:".length)}`, facts)
  }
}
