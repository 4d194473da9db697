/**
 * One ChannelCoder session's state as its `SessionManager` keeps it (the chain, the messages,
 * `autoSave`, `save`, `clear`), and what the bridge adds to it: the conversation's stable id in
 * the event log, and the id a call resumes, with its placeholders replaced first.
 */
import { basename } from "node:path"
import {
  type ClaudeSessionId,
  isClaudeSessionId,
  isJsonObject,
  onlyOne,
  type SessionMode,
  type StableId
} from "@cc/events"
import { type OpenedResolver, openResolver } from "@cc/resolver"
import {
  channelCoderLabel,
  channelCoderPromiseSource,
  channelCoderRuns,
  collectPromise,
  decodeChannelCoderSession,
  detachedLogPromiseSource,
  type PlaceholderResolution,
  replaceChannelCoderPlaceholders,
  type SessionFound
} from "@cc/sources"
import type { SessionState, SessionStorage } from "channelcoder"
import * as Exit from "effect/Exit"
import { checkSessionName } from "./names.js"
import { type CcOptions, detachedLogPath } from "./options.js"
import { SessionRecorder } from "./record.js"
import { countMatches, INIT_LINE, RESULT_LINE, readTextIfAny } from "./run-log.js"

const DEFAULT_RESUME_WAIT_MS = 10_000

export const freshState = (name: string | undefined): SessionState => ({
  sessionChain: [],
  messages: [],
  metadata: { ...(name === undefined ? {} : { name }), created: new Date(), lastActive: new Date() }
})

/** The id a call resumes (none for a new conversation), or why there is none it may. */
export type Target =
  | { readonly ok: true; readonly id: string | undefined }
  | { readonly ok: false; readonly error: string }

export class Conversation {
  state: SessionState
  readonly #storage: SessionStorage
  readonly #autoSave: boolean
  readonly cwd: string | undefined
  readonly storeDir: string
  readonly #options: CcOptions
  /** The conversation's stable id, once recorded; a new conversation (new session, `clear()`) has none yet. */
  #stableId: StableId | undefined
  /** Whether the state is a conversation of its own (not loaded): it gets a stable id of its own. */
  #fresh: boolean
  /** The file name saves went to, for a session without a name. */
  #savedAs: string | undefined
  /** Logs this process started, by the chain entry their run's id will replace. */
  readonly logs = new Map<string, string>()
  /** The runs each log will hold once this process's have started (a 2.1.x resume appends to its session's). */
  readonly started = new Map<string, number>()
  #recorder: Promise<SessionRecorder> | undefined
  #resolver: Promise<OpenedResolver> | undefined

  constructor(
    state: SessionState,
    storage: SessionStorage,
    settings: {
      autoSave: boolean
      cwd: string | undefined
      storeDir: string
      fresh: boolean
      options: CcOptions
      savedAs?: string
    }
  ) {
    this.state = state
    this.#storage = storage
    this.#autoSave = settings.autoSave
    this.cwd = settings.cwd
    this.storeDir = settings.storeDir
    this.#fresh = settings.fresh
    this.#options = settings.options
    this.#savedAs = settings.savedAs
  }

  get name(): string | undefined {
    return this.state.metadata.name ?? this.#savedAs
  }

  #label(): string | undefined {
    const name = this.name
    return name === undefined ? undefined : channelCoderLabel(name)
  }

  recording(): Promise<SessionRecorder> {
    this.#recorder ??= import("@cc/events")
      .then(({ openEventLog }) => openEventLog({ dir: this.storeDir }))
      .then((log) => new SessionRecorder(log))
    return this.#recorder
  }

  #opened(): Promise<OpenedResolver> {
    this.#resolver ??= openResolver({
      storeDir: this.storeDir,
      ...(this.#options.claudeHomes === undefined ? {} : { claudeHomes: this.#options.claudeHomes }),
      sources: [channelCoderPromiseSource({ home: this.storeDir })]
    })
    return this.#resolver
  }

  /** The conversation's stable id: made (with `facts`) on its first run, found by its label once loaded. */
  async stableIdFor(facts: {
    cwd: string
    mode: SessionMode
    promptHash: string
    logPath?: string
  }): Promise<StableId> {
    if (this.#stableId !== undefined) return this.#stableId
    const recorder = await this.recording()
    const label = this.#label()
    const held = !this.#fresh && label !== undefined ? await recorder.holder(label) : undefined
    this.#stableId = held ?? (await recorder.open(label, facts))
    this.#fresh = false
    return this.#stableId
  }

  // --- ChannelCoder's SessionManager ------------------------------------------------------

  addMessage(role: "user" | "assistant", content: string, sessionId: string): void {
    this.state.messages.push({ role, content, timestamp: new Date(), sessionId })
    this.state.metadata.lastActive = new Date()
  }

  updateLastMessage(role: "user" | "assistant", content: string, sessionId: string): void {
    const last = this.state.messages.at(-1)
    if (last !== undefined && last.role === role && last.sessionId === sessionId) {
      last.content = content
      last.timestamp = new Date()
    } else this.addMessage(role, content, sessionId)
    this.state.metadata.lastActive = new Date()
  }

  /** ChannelCoder's `saveState`: only with `autoSave`, a failure warned about, never thrown. */
  async saveState(): Promise<void> {
    if (!this.#autoSave) return
    try {
      const path = await this.#storage.save(this.state, this.state.metadata.name)
      if (this.state.metadata.name === undefined) this.#savedAs = basename(path, ".json")
    } catch (error) {
      console.warn("Session auto-save failed:", error)
    }
    if (this.#stableId !== undefined) {
      const recorder = await this.recording()
      await recorder.observed(
        this.#stableId,
        this.state.sessionChain,
        `ChannelCoder session ${this.name ?? "(unnamed)"}`
      )
    }
  }

  async save(name?: string): Promise<string> {
    if (name !== undefined) checkSessionName(name)
    const named = name || this.state.metadata.name
    if (named !== undefined) this.state.metadata.name = named
    const path = await this.#storage.save(this.state, name)
    if (this.state.metadata.name === undefined) this.#savedAs = basename(path, ".json")
    return path
  }

  clear(): void {
    // a new conversation under the same name: its own stable id on its first run
    this.state = freshState(this.state.metadata.name)
    this.#stableId = undefined
    this.#fresh = true
  }

  // --- the ids -----------------------------------------------------------------------------

  /**
   * Replaces every placeholder of the chain that can be told for certain: a run's own log
   * first (it names the id as soon as claude starts), then the transcripts.
   */
  async #repair(): Promise<void> {
    if (this.state.sessionChain.every((id) => isClaudeSessionId(id))) return
    // the state as its file holds it (dates as text): what ChannelCoder's own save writes
    const record: unknown = JSON.parse(JSON.stringify(this.state))
    const decoded = decodeChannelCoderSession(record)
    if (Exit.isFailure(decoded) || !isJsonObject(record)) return
    const name = this.name ?? "session"
    const runs = channelCoderRuns(decoded.value, name)
    const resolutions: Array<PlaceholderResolution> = []
    let opened: OpenedResolver | undefined
    for (const run of runs) {
      const log = this.logs.get(run.placeholder) ?? detachedLogPath(this.storeDir, name, run.placeholder)
      const ids = [
        ...new Set(
          (await collectPromise(detachedLogPromiseSource(), { logPath: log }))
            .filter((d): d is SessionFound => d._tag === "SessionFound")
            .map((d) => d.claudeSessionId)
        )
      ]
      const named = onlyOne(ids)
      if (named !== undefined) {
        resolutions.push({ run, claudeSessionId: named })
        continue
      }
      opened ??= await this.#opened()
      const outcome = await opened.resolver.resolveRun(run)
      if (outcome._tag === "Resolved") resolutions.push({ run, claudeSessionId: outcome.claudeSessionId })
    }
    if (resolutions.length === 0) return
    const chainOf = (id: ClaudeSessionId) => (opened === undefined ? [id] : opened.resolver.chainOf(id))
    const repaired = replaceChannelCoderPlaceholders(record, resolutions, chainOf).record
    const chain = repaired.sessionChain
    if (Array.isArray(chain)) this.state.sessionChain = chain.map(String)
    if (typeof repaired.currentSessionId === "string") this.state.currentSessionId = repaired.currentSessionId
    const messages = Array.isArray(repaired.messages) ? repaired.messages : []
    this.state.messages.forEach((m, i) => {
      const replaced = messages[i]
      if (isJsonObject(replaced) && typeof replaced.sessionId === "string") m.sessionId = replaced.sessionId
    })
    await this.saveState()
    if (this.#stableId !== undefined || !this.#fresh) {
      const id = this.#stableId ?? (await this.#heldId())
      if (id !== undefined) {
        await (await this.recording()).observed(
          id,
          resolutions.map((r) => r.claudeSessionId),
          `placeholder of ChannelCoder session ${name} replaced`
        )
      }
    }
  }

  async #heldId(): Promise<StableId | undefined> {
    const label = this.#label()
    if (label === undefined) return undefined
    this.#stableId = await (await this.recording()).holder(label)
    return this.#stableId
  }

  /**
   * The id a call resumes: the chain's last, with a placeholder replaced first (waiting a
   * while), never sent. A detached run of that id still going is waited for (as long): a resume
   * started beside it would not see its answer, or not find its transcript yet.
   */
  async target(): Promise<Target> {
    const waitMs = this.#options.resumeWaitMs ?? DEFAULT_RESUME_WAIT_MS
    const deadline = Date.now() + waitMs
    for (;;) {
      const last = this.state.sessionChain.at(-1)
      if (last === undefined) return { ok: true, id: undefined }
      if (isClaudeSessionId(last)) return this.#afterItsRun(last, deadline, waitMs)
      await this.#repair()
      const now = this.state.sessionChain.at(-1)
      if (now === undefined) return { ok: true, id: undefined }
      if (isClaudeSessionId(now)) return this.#afterItsRun(now, deadline, waitMs)
      if (Date.now() >= deadline) {
        return {
          ok: false,
          error: `the Claude session id of ${now} is not known yet (its run named none within ${Math.round(waitMs / 1000)} s): not resuming a placeholder, which would start another conversation; try again once the run has started`
        }
      }
      await new Promise((r) => setTimeout(r, 200))
    }
  }

  /**
   * Waits (until `deadline`) for the detached runs of `id` to end; refuses one that has not
   * started. A 2.1.x resume appends to its session's log: a run is going while the log has more
   * `init` lines than `result` lines, or fewer results than this process started runs.
   */
  async #afterItsRun(id: string, deadline: number, waitMs: number): Promise<Target> {
    const log = this.logs.get(id) ?? detachedLogPath(this.storeDir, this.name ?? "session", id)
    const started = this.started.get(log) ?? 0
    for (;;) {
      const text = readTextIfAny(log)
      if (text === undefined) return { ok: true, id }
      const inits = countMatches(text, INIT_LINE)
      const results = countMatches(text, RESULT_LINE)
      if (results >= inits && results >= started) return { ok: true, id }
      if (Date.now() >= deadline) {
        if (inits >= started) return { ok: true, id }
        return {
          ok: false,
          error: `the detached run of ${id} has not started within ${Math.round(waitMs / 1000)} s (its log ${log} is empty): not resuming a conversation Claude has not written yet`
        }
      }
      await new Promise((r) => setTimeout(r, 100))
    }
  }
}
