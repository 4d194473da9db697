/**
 * ChannelCoder's calls (`claude`, `run`, `stream`, `interactive`, `detached`) as its
 * `SessionManager` makes them, each with the real Claude id: chosen up front (`--session-id`)
 * where Claude takes it, else read from the run's own output; a resume never sends a placeholder.
 */
import { randomUUID } from "node:crypto"
import { existsSync, rmSync, statSync } from "node:fs"
import { isClaudeSessionId } from "@cc/events"
import { hashPrompt } from "@cc/sources"
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
  type StreamChunk
} from "channelcoder"
import type { Conversation } from "./conversation.js"
import { detachedLogPath } from "./options.js"
import { runDirectory } from "./run-directory.js"
import { countMatches, RESULT_LINE, readTextIfAny } from "./run-log.js"
import { planCommand, runToResult, startDetached, streamChunks, supportsSessionId } from "./runner.js"

export class BridgeSession {
  readonly #c: Conversation

  constructor(conversation: Conversation) {
    this.#c = conversation
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
    const target = await this.#c.target()
    if (!target.ok) return { success: false, error: target.error }
    const resume = target.id ?? options.resume
    const cwd = options.cwd || this.#c.cwd
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
      const id = await this.#c.stableIdFor({
        cwd: where.cwd,
        mode: "run",
        promptHash: hashPrompt(where.prompt ?? promptOrFile)
      })
      const recorder = await this.#c.recording()
      const runId = randomUUID()
      await recorder.runStarted(id, runId, { mode: "run" })
      if (real !== undefined) await recorder.observed(id, [real], "ChannelCoder claude() result", 1)
      await recorder.runFinished(id, runId, { exitCode: result.success ? 0 : 1, isError: !result.success })
    }
    if (!result.success || sessionId === undefined) return
    this.#c.state.sessionChain.push(sessionId)
    this.#c.state.currentSessionId = sessionId
    this.#c.addMessage("user", promptOrFile, sessionId)
    if (typeof result.data === "string") this.#c.addMessage("assistant", result.data, sessionId)
    await this.#c.saveState()
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
    const target = await this.#c.target()
    if (!target.ok) {
      yield { type: "error", content: target.error, timestamp: Date.now() }
      return
    }
    const resume = target.id ?? options.resume
    const cwd = options.cwd || this.#c.cwd
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
    this.#c.addMessage("user", promptOrFile, current)
    await this.#c.saveState()
    const conversation = await this.#c.stableIdFor({
      cwd: runCwd ?? process.cwd(),
      mode: "stream",
      promptHash: hashPrompt(planned?.plan.prompt ?? promptOrFile)
    })
    const recorder = await this.#c.recording()
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
        for (const m of this.#c.state.messages)
          if (m.sessionId === current && current === "pending") m.sessionId = learned
        current = learned
      }
      if (chunk.type === "error") failed = true
      content += chunk.content
      this.#c.updateLastMessage("assistant", content, current)
      await this.#c.saveState()
      yield chunk
    }
    if (learned !== undefined && isClaudeSessionId(learned)) {
      for (const m of this.#c.state.messages) if (m.sessionId === "pending") m.sessionId = learned
      // a 1.0.x resume is a new id: the chain goes on from it, or the next call would drop this turn
      if (this.#c.state.sessionChain.at(-1) !== learned) this.#c.state.sessionChain.push(learned)
      this.#c.state.currentSessionId = learned
      await recorder.observed(conversation, [learned], "ChannelCoder stream: its init line", 1)
      await this.#c.saveState()
    }
    await recorder.runFinished(conversation, runId, { exitCode: failed ? 1 : 0, isError: failed })
  }

  /** ChannelCoder's `interactive`, resuming the chain's real last id. */
  async interactive(promptOrFile: string, options: ClaudeOptions = {}): Promise<LaunchResult> {
    const target = await this.#c.target()
    if (!target.ok) return { error: target.error }
    const resume = target.id ?? options.resume
    if (options.verbose === true) console.log("Session resuming with ID:", target.id)
    const cwd = options.cwd || this.#c.cwd
    return channelCoderInteractive(promptOrFile, {
      ...options,
      ...(resume === undefined ? {} : { resume }),
      ...(cwd === undefined ? {} : { cwd })
    })
  }

  /** ChannelCoder's detached call: a stream-json log always, the prompt on stdin even on a resume, the id up front. */
  async detached(promptOrFile: string, options: ClaudeOptions = {}): Promise<CCResult> {
    const target = await this.#c.target()
    if (!target.ok) return { success: false, error: target.error }
    const resume = target.id ?? options.resume
    const cwd = options.cwd ?? this.#c.cwd
    if (options.docker) {
      // ChannelCoder runs the container; what it reports is what happened
      const result = await channelCoderDetached(promptOrFile, {
        ...options,
        ...(resume === undefined ? {} : { resume })
      })
      if (result.success) {
        const sessionId = resume ?? this.#c.state.currentSessionId ?? `detached-${Date.now()}`
        this.#c.addMessage("user", promptOrFile, sessionId)
        if (this.#c.state.currentSessionId === undefined) {
          this.#c.state.sessionChain.push(sessionId)
          this.#c.state.currentSessionId = sessionId
        }
        await this.#c.saveState()
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
    const logFile = options.logFile ?? detachedLogPath(this.#c.storeDir, this.#c.name ?? "session", entry)
    const logExisted = existsSync(logFile)
    // the runs before this one on its log: their results do not say that this one ended
    const before = this.#c.started.get(logFile) ?? countMatches(readTextIfAny(logFile) ?? "", RESULT_LINE)
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
    this.#c.logs.set(entry, logFile)
    this.#c.started.set(logFile, before + 1)
    // ChannelCoder's bookkeeping: the message, and the chain started once
    this.#c.addMessage("user", promptOrFile, entry)
    if (this.#c.state.currentSessionId === undefined || (resume !== undefined && entry !== resume)) {
      this.#c.state.sessionChain.push(entry)
      this.#c.state.currentSessionId = entry
    }
    const conversation = await this.#c.stableIdFor({
      cwd: runCwd ?? process.cwd(),
      mode: "detached",
      promptHash: hashPrompt(planned.plan.prompt),
      logPath: logFile
    })
    const recorder = await this.#c.recording()
    await recorder.runStarted(conversation, randomUUID(), {
      mode: "detached",
      pid: started.start.pid,
      logPath: logFile
    })
    if (chosen !== undefined) await recorder.observed(conversation, [chosen], "chosen up front (--session-id)", 1)
    await this.#c.saveState()
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
      id: () => this.#c.state.currentSessionId,
      messages: (): Array<Message> => [...this.#c.state.messages],
      save: (name?: string) => this.#c.save(name),
      clear: () => this.#c.clear()
    }
  }
}
