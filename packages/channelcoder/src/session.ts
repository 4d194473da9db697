/**
 * ChannelCoder's `session()`, `session.load()` and `session.list()`, with the Claude ids.
 *
 * The session object keeps ChannelCoder 3.0.2's own semantics (its `SessionManager`, read from
 * its dist: the chain, the messages, `autoSave`, `clear()`, the options of every call, worktree
 * and docker modes) and adds what ChannelCoder cannot know:
 *
 * - a new conversation gets its Claude id up front (`--session-id`) where the installed Claude
 *   takes it, so a detached or stream run records the real id, never `detached-<ms>`/`pending`;
 *   elsewhere the id comes from the run's own stream-json output, which a detached run always
 *   writes to a log;
 * - a call that resumes never sends a placeholder: it is replaced first (the run's log, then the
 *   transcripts), waiting up to `resumeWaitMs` (10 s) for a run that has not named its id yet,
 *   else the call fails with a clear error;
 * - every conversation is in the cc-sessions event log: a stable id labeled
 *   `channelcoder:<name>`, opened with its mode, cwd, prompt hash and log, each Claude id,
 *   and each run's start and end;
 * - names ChannelCoder cannot load again (with `/` or `\`) are refused, not saved elsewhere.
 */
import { randomUUID } from "node:crypto"
import { existsSync, readFileSync, rmSync, statSync } from "node:fs"
import { basename } from "node:path"
import {
  type ClaudeSessionId,
  defaultStoreDir,
  isClaudeSessionId,
  isJsonObject,
  onlyOne,
  type SessionMode,
  type StableId,
  storeLayout
} from "@cc/events"
import { type OpenedResolver, openResolver } from "@cc/resolver"
import {
  channelCoderLabel,
  channelCoderPromiseSource,
  channelCoderRuns,
  collectPromise,
  decodeChannelCoderSession,
  detachedLogPromiseSource,
  hashPrompt,
  type PlaceholderResolution,
  replaceChannelCoderPlaceholders,
  type SessionFound
} from "@cc/sources"
import {
  type CCResult,
  type ClaudeOptions,
  claude as channelCoderClaude,
  detached as channelCoderDetached,
  interactive as channelCoderInteractive,
  stream as channelCoderStream,
  type InterpolationValue,
  type LaunchResult,
  type Message,
  type Session,
  type SessionInfo,
  type SessionOptions,
  type SessionState,
  type SessionStorage,
  type StreamChunk
} from "channelcoder"
import * as Exit from "effect/Exit"
import { checkSessionName } from "./names.js"
import { SessionRecorder } from "./record.js"
import { ensureWorktree, planCommand, runToResult, startDetached, streamChunks, supportsSessionId } from "./runner.js"
import { ccSessionStorage } from "./storage.js"

export interface CcOptions {
  /** The cc-sessions store (default `$CC_SESSIONS_HOME`, then `~/.channelcoder`). */
  readonly storeDir?: string
  /** Claude config roots for transcripts (default `$CLAUDE_CONFIG_DIR`, then `~/.claude`). */
  readonly claudeHomes?: ReadonlyArray<string>
  /** How long a resume waits for a run that has not named its Claude id yet (default 10 s). */
  readonly resumeWaitMs?: number
}

export type CcSessionOptions = SessionOptions & CcOptions

/** Where a detached run's log goes when the caller names none: found again from its placeholder. */
export const detachedLogPath = (storeDir: string, name: string, placeholder: string): string =>
  storeLayout(storeDir).channelCoderLog(name, placeholder)

const DEFAULT_RESUME_WAIT_MS = 10_000

/** Why a run cannot start in `cwd` (Node reports a missing cwd as the command's own ENOENT). */
const cwdProblem = (cwd: string | undefined): string | undefined => {
  if (cwd === undefined) return undefined
  const stat = statSync(cwd, { throwIfNoEntry: false })
  if (stat === undefined) return `the directory ${cwd} does not exist`
  return stat.isDirectory() ? undefined : `${cwd} is not a directory`
}

type RunDirectory =
  | { readonly _tag: "Dir"; readonly dir: string | undefined }
  | { readonly _tag: "Worktree"; readonly error: unknown }
  | { readonly _tag: "Cwd"; readonly problem: string }

/** Where a call runs: its worktree's path (made if need be, as ChannelCoder does), else its cwd; checked to exist. */
const runDirectory = async (options: ClaudeOptions, cwd: string | undefined): Promise<RunDirectory> => {
  let dir = cwd
  if (options.worktree && !options.docker) {
    try {
      dir = await ensureWorktree(options.worktree, cwd)
    } catch (error) {
      return { _tag: "Worktree", error }
    }
  }
  const problem = options.docker ? undefined : cwdProblem(dir)
  return problem === undefined ? { _tag: "Dir", dir } : { _tag: "Cwd", problem }
}

const INIT_LINE = /"subtype"\s*:\s*"init"/g
const RESULT_LINE = /"type"\s*:\s*"result"/g

const countMatches = (text: string, pattern: RegExp): number => text.match(pattern)?.length ?? 0

const readTextIfAny = (path: string): string | undefined => {
  try {
    return readFileSync(path, "utf8")
  } catch {
    return undefined
  }
}

const freshState = (name: string | undefined): SessionState => ({
  sessionChain: [],
  messages: [],
  metadata: { ...(name === undefined ? {} : { name }), created: new Date(), lastActive: new Date() }
})

type Target = { readonly ok: true; readonly id: string | undefined } | { readonly ok: false; readonly error: string }

class BridgeSession {
  state: SessionState
  readonly #storage: SessionStorage
  readonly #autoSave: boolean
  readonly #cwd: string | undefined
  readonly #storeDir: string
  readonly #options: CcOptions
  /** The conversation's stable id, once recorded; a new conversation (new session, `clear()`) has none yet. */
  #stableId: StableId | undefined
  /** Whether the state is a conversation of its own (not loaded): it gets a stable id of its own. */
  #fresh: boolean
  /** The file name saves went to, for a session without a name. */
  #savedAs: string | undefined
  /** Logs this process started, by the chain entry their run's id will replace. */
  readonly #logs = new Map<string, string>()
  /** The runs each log will hold once this process's have started (a 2.1.x resume appends to its session's). */
  readonly #started = new Map<string, number>()
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
    this.#cwd = settings.cwd
    this.#storeDir = settings.storeDir
    this.#fresh = settings.fresh
    this.#options = settings.options
    this.#savedAs = settings.savedAs
  }

  get #name(): string | undefined {
    return this.state.metadata.name ?? this.#savedAs
  }

  #label(): string | undefined {
    const name = this.#name
    return name === undefined ? undefined : channelCoderLabel(name)
  }

  #recording(): Promise<SessionRecorder> {
    this.#recorder ??= import("@cc/events")
      .then(({ openEventLog }) => openEventLog({ dir: this.#storeDir }))
      .then((log) => new SessionRecorder(log))
    return this.#recorder
  }

  #opened(): Promise<OpenedResolver> {
    this.#resolver ??= openResolver({
      storeDir: this.#storeDir,
      ...(this.#options.claudeHomes === undefined ? {} : { claudeHomes: this.#options.claudeHomes }),
      sources: [channelCoderPromiseSource({ home: this.#storeDir })]
    })
    return this.#resolver
  }

  /** The conversation's stable id: made (with `facts`) on its first run, found by its label once loaded. */
  async #conversation(facts: {
    cwd: string
    mode: SessionMode
    promptHash: string
    logPath?: string
  }): Promise<StableId> {
    if (this.#stableId !== undefined) return this.#stableId
    const recorder = await this.#recording()
    const label = this.#label()
    const held = !this.#fresh && label !== undefined ? await recorder.holder(label) : undefined
    this.#stableId = held ?? (await recorder.open(label, facts))
    this.#fresh = false
    return this.#stableId
  }

  // --- ChannelCoder's SessionManager ------------------------------------------------------

  #addMessage(role: "user" | "assistant", content: string, sessionId: string): void {
    this.state.messages.push({ role, content, timestamp: new Date(), sessionId })
    this.state.metadata.lastActive = new Date()
  }

  #updateLastMessage(role: "user" | "assistant", content: string, sessionId: string): void {
    const last = this.state.messages.at(-1)
    if (last !== undefined && last.role === role && last.sessionId === sessionId) {
      last.content = content
      last.timestamp = new Date()
    } else this.#addMessage(role, content, sessionId)
    this.state.metadata.lastActive = new Date()
  }

  /** ChannelCoder's `saveState`: only with `autoSave`, a failure warned about, never thrown. */
  async #saveState(): Promise<void> {
    if (!this.#autoSave) return
    try {
      const path = await this.#storage.save(this.state, this.state.metadata.name)
      if (this.state.metadata.name === undefined) this.#savedAs = basename(path, ".json")
    } catch (error) {
      console.warn("Session auto-save failed:", error)
    }
    if (this.#stableId !== undefined) {
      const recorder = await this.#recording()
      await recorder.observed(
        this.#stableId,
        this.state.sessionChain,
        `ChannelCoder session ${this.#name ?? "(unnamed)"}`
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
    const name = this.#name ?? "session"
    const runs = channelCoderRuns(decoded.value, name)
    const resolutions: Array<PlaceholderResolution> = []
    let opened: OpenedResolver | undefined
    for (const run of runs) {
      const log = this.#logs.get(run.placeholder) ?? detachedLogPath(this.#storeDir, name, run.placeholder)
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
    await this.#saveState()
    if (this.#stableId !== undefined || !this.#fresh) {
      const id = this.#stableId ?? (await this.#heldId())
      if (id !== undefined) {
        await (await this.#recording()).observed(
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
    this.#stableId = await (await this.#recording()).holder(label)
    return this.#stableId
  }

  /**
   * The id a call resumes: the chain's last, with a placeholder replaced first (waiting a
   * while), never sent. A detached run of that id still going is waited for (as long): a resume
   * started beside it would not see its answer, or not find its transcript yet.
   */
  async #target(): Promise<Target> {
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
    const log = this.#logs.get(id) ?? detachedLogPath(this.#storeDir, this.#name ?? "session", id)
    const started = this.#started.get(log) ?? 0
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

  // --- the calls -----------------------------------------------------------------------------

  /** ChannelCoder's `executeWithSession` for `claude()` and `run()`, its own process code with the ids. */
  async claude(promptOrFile: string, options: ClaudeOptions = {}): Promise<CCResult> {
    if (options.detached === true) return this.detached(promptOrFile, options)
    if (options.mode === "interactive") {
      const launched = await this.interactive(promptOrFile, options)
      return { success: launched.exitCode === 0, ...(launched.error === undefined ? {} : { error: launched.error }) }
    }
    if (options.mode === "stream") {
      const parts: Array<string> = []
      for await (const chunk of this.stream(promptOrFile, options)) parts.push(chunk.content)
      return { success: true, data: parts.join("") }
    }
    const target = await this.#target()
    if (!target.ok) return { success: false, error: target.error }
    const resume = target.id ?? options.resume
    const cwd = options.cwd || this.#cwd
    if (options.docker) {
      // in a container: ChannelCoder runs it, and its result says the id
      const result = await channelCoderClaude(promptOrFile, {
        ...options,
        ...(resume === undefined ? {} : { resume }),
        ...(cwd === undefined ? {} : { cwd })
      })
      await this.#afterRun(promptOrFile, result, { cwd: cwd ?? process.cwd(), prompt: undefined })
      return result
    }
    const where = await runDirectory(options, cwd)
    if (where._tag === "Worktree") return { success: false, error: `Worktree execution failed: ${where.error}` }
    if (where._tag === "Cwd") return { success: false, error: `Process execution failed: ${where.problem}` }
    const runCwd = where.dir
    const { worktree: _w, docker: _d, cwd: _c, ...rest } = options
    const planned = await planCommand(promptOrFile, {
      ...rest,
      ...(resume === undefined ? {} : { resume }),
      mode: "run"
    })
    if (planned._tag === "Refused") return planned.result
    const chosen = resume === undefined && options.continue !== true && supportsSessionId() ? randomUUID() : undefined
    const result = await runToResult(planned.plan, {
      cwd: runCwd,
      ...(options.timeout === undefined ? {} : { timeout: options.timeout }),
      ...(options.verbose === undefined ? {} : { verbose: options.verbose }),
      outputFormat: options.outputFormat ?? "json",
      extraArgs: chosen === undefined ? [] : ["--session-id", chosen]
    })
    if (result.success && result.sessionId === undefined && chosen !== undefined) result.sessionId = chosen
    const { pid: _pid, ...shown } = result
    await this.#afterRun(promptOrFile, shown, { cwd: runCwd ?? process.cwd(), prompt: planned.plan.prompt })
    return shown
  }

  /** What a finished `claude()` call leaves: ChannelCoder's chain and messages, and the events. */
  async #afterRun(
    promptOrFile: string,
    result: CCResult,
    where: { readonly cwd: string; readonly prompt: string | undefined }
  ): Promise<void> {
    const sessionId = this.#sessionIdOf(result)
    const real = sessionId !== undefined && isClaudeSessionId(sessionId) ? sessionId : undefined
    if (real !== undefined || result.success) {
      const id = await this.#conversation({
        cwd: where.cwd,
        mode: "run",
        promptHash: hashPrompt(where.prompt ?? promptOrFile)
      })
      const recorder = await this.#recording()
      const runId = randomUUID()
      await recorder.runStarted(id, runId, { mode: "run" })
      if (real !== undefined) await recorder.observed(id, [real], "ChannelCoder claude() result", 1)
      await recorder.runFinished(id, runId, { exitCode: result.success ? 0 : 1, isError: !result.success })
    }
    if (!result.success || sessionId === undefined) return
    this.state.sessionChain.push(sessionId)
    this.state.currentSessionId = sessionId
    this.#addMessage("user", promptOrFile, sessionId)
    if (typeof result.data === "string") this.#addMessage("assistant", result.data, sessionId)
    await this.#saveState()
  }

  /** ChannelCoder's `extractSessionId`. */
  #sessionIdOf(result: CCResult): string | undefined {
    if (result.sessionId) return result.sessionId
    const fromStderr = result.stderr?.match(/Session ID: ([a-zA-Z0-9-]+)/)?.[1]
    if (fromStderr !== undefined) return fromStderr
    const data = result.data
    if (typeof data === "object" && data !== null && "sessionId" in data && typeof data.sessionId === "string")
      return data.sessionId
    return undefined
  }

  /** ChannelCoder's `streamWithSession`, with the id from the stream's first line (or chosen up front). */
  async *stream(promptOrFile: string, options: ClaudeOptions = {}): AsyncGenerator<StreamChunk> {
    const target = await this.#target()
    if (!target.ok) {
      yield { type: "error", content: target.error, timestamp: Date.now() }
      return
    }
    const resume = target.id ?? options.resume
    const cwd = options.cwd || this.#cwd
    const where = await runDirectory(options, cwd)
    if (where._tag !== "Dir") {
      const content =
        where._tag === "Worktree"
          ? `Worktree stream execution failed: ${where.error}`
          : `Stream execution failed: ${where.problem}`
      yield { type: "error", content, timestamp: Date.now() }
      return
    }
    const runCwd = where.dir
    const planned = options.docker
      ? undefined
      : await planCommand(promptOrFile, {
          ...(({ worktree: _w, docker: _d, cwd: _c, ...rest }) => rest)(options),
          ...(resume === undefined ? {} : { resume }),
          mode: "stream"
        })
    if (planned?._tag === "Refused") {
      yield { type: "error", content: planned.result.error ?? "the prompt could not be read", timestamp: Date.now() }
      return
    }
    const chosen =
      planned !== undefined && resume === undefined && options.continue !== true && supportsSessionId()
        ? randomUUID()
        : undefined
    let current = resume ?? chosen ?? "pending"
    this.#addMessage("user", promptOrFile, current)
    await this.#saveState()
    const conversation = await this.#conversation({
      cwd: runCwd ?? process.cwd(),
      mode: "stream",
      promptHash: hashPrompt(planned?.plan.prompt ?? promptOrFile)
    })
    const recorder = await this.#recording()
    const runId = randomUUID()
    await recorder.runStarted(conversation, runId, { mode: "stream" })
    let learned: string | undefined = chosen
    const chunks =
      planned === undefined
        ? channelCoderStream(promptOrFile, {
            ...options,
            ...(resume === undefined ? {} : { resume }),
            ...(cwd === undefined ? {} : { cwd })
          })
        : streamChunks(planned.plan, {
            cwd: runCwd,
            ...(options.timeout === undefined ? {} : { timeout: options.timeout }),
            extraArgs: chosen === undefined ? [] : ["--session-id", chosen],
            parse: options.parse ?? false,
            onSessionId: (id) => {
              learned = id
            }
          })
    let content = ""
    let failed = false
    for await (const chunk of chunks) {
      if (learned !== undefined && learned !== current && isClaudeSessionId(learned)) {
        // the stream named its id: this call's messages carry it, not a placeholder
        for (const m of this.state.messages) if (m.sessionId === current && current === "pending") m.sessionId = learned
        current = learned
      }
      if (chunk.type === "error") failed = true
      content += chunk.content
      this.#updateLastMessage("assistant", content, current)
      await this.#saveState()
      yield chunk
    }
    if (learned !== undefined && isClaudeSessionId(learned)) {
      for (const m of this.state.messages) if (m.sessionId === "pending") m.sessionId = learned
      // a 1.0.x resume is a new id: the chain goes on from it, or the next call would drop this turn
      if (this.state.sessionChain.at(-1) !== learned) this.state.sessionChain.push(learned)
      this.state.currentSessionId = learned
      await recorder.observed(conversation, [learned], "ChannelCoder stream: its init line", 1)
      await this.#saveState()
    }
    await recorder.runFinished(conversation, runId, { exitCode: failed ? 1 : 0, isError: failed })
  }

  /** ChannelCoder's `interactive`, resuming the chain's real last id. */
  async interactive(promptOrFile: string, options: ClaudeOptions = {}): Promise<LaunchResult> {
    const target = await this.#target()
    if (!target.ok) return { error: target.error }
    const resume = target.id ?? options.resume
    if (options.verbose === true) console.log("Session resuming with ID:", target.id)
    const cwd = options.cwd || this.#cwd
    return channelCoderInteractive(promptOrFile, {
      ...options,
      ...(resume === undefined ? {} : { resume }),
      ...(cwd === undefined ? {} : { cwd })
    })
  }

  /** ChannelCoder's detached call: a stream-json log always, the prompt on stdin even on a resume, the id up front. */
  async detached(promptOrFile: string, options: ClaudeOptions = {}): Promise<CCResult> {
    const target = await this.#target()
    if (!target.ok) return { success: false, error: target.error }
    const resume = target.id ?? options.resume
    const cwd = options.cwd ?? this.#cwd
    if (options.docker) {
      // ChannelCoder runs the container; what it reports is what happened
      const result = await channelCoderDetached(promptOrFile, {
        ...options,
        ...(resume === undefined ? {} : { resume })
      })
      if (result.success) {
        const sessionId = resume ?? this.state.currentSessionId ?? `detached-${Date.now()}`
        this.#addMessage("user", promptOrFile, sessionId)
        if (this.state.currentSessionId === undefined) {
          this.state.sessionChain.push(sessionId)
          this.state.currentSessionId = sessionId
        }
        await this.#saveState()
      }
      return result
    }
    const where = await runDirectory(options, cwd)
    if (where._tag === "Worktree")
      return { success: false, error: `Worktree detached execution failed: ${where.error}` }
    if (where._tag === "Cwd") return { success: false, error: `could not start claude: ${where.problem}` }
    const runCwd = where.dir
    const { worktree: _w, docker: _d, cwd: _c, logFile: _l, stream: _s, ...rest } = options
    const planned = await planCommand(promptOrFile, {
      ...rest,
      ...(resume === undefined ? {} : { resume }),
      outputFormat: "stream-json",
      mode: "run"
    })
    if (planned._tag === "Refused") return planned.result
    const keepsIds = supportsSessionId()
    const chosen = resume === undefined && options.continue !== true && keepsIds ? randomUUID() : undefined
    // the chain entry this run's id will be known by: the id itself when chosen or kept (2.1.x
    // resumes keep it); else a placeholder, replaced from this run's log before the next call
    const entry = chosen ?? (resume !== undefined && keepsIds ? resume : `detached-${Date.now()}`)
    const logFile = options.logFile ?? detachedLogPath(this.#storeDir, this.#name ?? "session", entry)
    const logExisted = existsSync(logFile)
    // the runs before this one on its log: their results do not say that this one ended
    const before = this.#started.get(logFile) ?? countMatches(readTextIfAny(logFile) ?? "", RESULT_LINE)
    const started = await startDetached(planned.plan, {
      cwd: runCwd,
      logFile,
      extraArgs: chosen === undefined ? [] : ["--session-id", chosen]
    })
    if (started._tag === "Failed") {
      // nothing ran: no empty log, no session file, no event says otherwise
      if (!logExisted && statSync(logFile, { throwIfNoEntry: false })?.size === 0) rmSync(logFile, { force: true })
      return { success: false, error: started.error }
    }
    this.#logs.set(entry, logFile)
    this.#started.set(logFile, before + 1)
    // ChannelCoder's bookkeeping: the message, and the chain started once
    this.#addMessage("user", promptOrFile, entry)
    if (this.state.currentSessionId === undefined || (resume !== undefined && entry !== resume)) {
      this.state.sessionChain.push(entry)
      this.state.currentSessionId = entry
    }
    const conversation = await this.#conversation({
      cwd: runCwd ?? process.cwd(),
      mode: "detached",
      promptHash: hashPrompt(planned.plan.prompt),
      logPath: logFile
    })
    const recorder = await this.#recording()
    await recorder.runStarted(conversation, randomUUID(), {
      mode: "detached",
      pid: started.start.pid,
      logPath: logFile
    })
    if (chosen !== undefined) await recorder.observed(conversation, [chosen], "chosen up front (--session-id)", 1)
    await this.#saveState()
    const streaming = options.stream ?? false
    return {
      success: true,
      data: { pid: started.start.pid, detached: true, logFile, streaming },
      pid: started.start.pid,
      logFile,
      detached: true,
      streaming,
      ...(chosen === undefined
        ? keepsIds && resume !== undefined
          ? { sessionId: resume }
          : {}
        : { sessionId: chosen })
    }
  }

  // --- the object ChannelCoder's users hold ----------------------------------------------------

  toSession(): Session {
    const claudeCall = ((promptOrStrings: string | TemplateStringsArray, ...args: Array<unknown>) => {
      if (Array.isArray(promptOrStrings) && "raw" in promptOrStrings) {
        const strings = promptOrStrings as TemplateStringsArray
        let prompt = ""
        strings.forEach((part, i) => {
          prompt += part
          if (i < args.length) prompt += String(args[i] as InterpolationValue)
        })
        return this.claude(prompt, {})
      }
      return this.claude(promptOrStrings as string, args[0] as ClaudeOptions | undefined)
    }) as Session["claude"]
    return {
      claude: claudeCall,
      stream: ((prompt: string, options?: ClaudeOptions) => this.stream(prompt, options)) as Session["stream"],
      interactive: ((prompt: string, options?: ClaudeOptions) =>
        this.interactive(prompt, options)) as Session["interactive"],
      run: ((prompt: string, options?: ClaudeOptions) =>
        this.claude(prompt, { ...options, mode: "run" })) as Session["run"],
      detached: ((prompt: string, options?: ClaudeOptions) => this.detached(prompt, options)) as Session["detached"],
      id: () => this.state.currentSessionId,
      messages: (): Array<Message> => [...this.state.messages],
      save: (name?: string) => this.save(name),
      clear: () => this.clear()
    }
  }
}

const storageFor = (storeDir: string, storage: SessionStorage | undefined, cwd?: string): SessionStorage =>
  storage ?? ccSessionStorage({ storeDir, record: false, ...(cwd === undefined ? {} : { cwd }) })

/** ChannelCoder's `session(options)`, plus `{ storeDir, claudeHomes, resumeWaitMs }`. */
export function session(options: CcSessionOptions = {}): Session {
  if (options.name !== undefined) checkSessionName(options.name)
  const storeDir = options.storeDir ?? defaultStoreDir()
  const bridge = new BridgeSession(freshState(options.name), storageFor(storeDir, options.storage, options.cwd), {
    autoSave: options.autoSave ?? true,
    cwd: options.cwd,
    storeDir,
    fresh: true,
    options
  })
  return bridge.toSession()
}

/** ChannelCoder's `session.load(nameOrPath, storage?)`, plus `{ storeDir, claudeHomes, resumeWaitMs }`. */
session.load = async (nameOrPath: string, storage?: SessionStorage, options: CcOptions = {}): Promise<Session> => {
  const storeDir = options.storeDir ?? defaultStoreDir()
  const storageImpl = storageFor(storeDir, storage)
  const state = await storageImpl.load(nameOrPath)
  // ChannelCoder's load: autoSave on, no cwd; the conversation is the file's (its stable id by its label)
  const bridge = new BridgeSession(state, storageImpl, {
    autoSave: true,
    cwd: undefined,
    storeDir,
    fresh: false,
    options,
    savedAs: basename(nameOrPath).replace(/\.json$/, "")
  })
  return bridge.toSession()
}

/** ChannelCoder's `session.list(storage?)`. */
session.list = (storage?: SessionStorage, options: Pick<CcOptions, "storeDir"> = {}): Promise<Array<SessionInfo>> =>
  storageFor(options.storeDir ?? defaultStoreDir(), storage).list()
