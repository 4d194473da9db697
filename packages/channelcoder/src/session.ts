/**
 * ChannelCoder's `session()` and `session.load()`, with cc-sessions underneath. The returned
 * object is ChannelCoder's own `Session`; what changes:
 *
 * - before any call that resumes, a placeholder at the end of the chain (`detached-<ms>`,
 *   `pending`) is replaced by the real Claude id — from the run's own log as soon as its
 *   `system/init` line is there, else from the other layers (transcripts) — in memory and in
 *   the file, so `--resume` gets an id Claude knows;
 * - `.detached()` always writes a stream-json log (by default in the store, named after its
 *   placeholder, so any later process finds it), records the session (cwd, prompt hash, log,
 *   its ChannelCoder name as the label `channelcoder:<name>`), and sends the prompt on a
 *   resume too (ChannelCoder's own sends none, so Claude has nothing to answer);
 * - the session is saved through `ccSessionStorage()` (atomic writes, every save recorded),
 *   unless a storage is given, which is then wrapped to record the same.
 */
import { spawn } from "node:child_process"
import { closeSync, existsSync, mkdirSync, openSync } from "node:fs"
import { join } from "node:path"
import { type ClaudeSessionId, defaultStoreDir } from "@cc/events"
import { type OpenedResolver, openResolver } from "@cc/resolver"
import {
  type ChannelCoderRecord,
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
  detached as channelCoderDetached,
  session as channelCoderSession,
  type Session,
  type SessionOptions,
  type SessionState,
  type SessionStorage
} from "channelcoder"
import * as Exit from "effect/Exit"
import { type CcSessionStorage, ccSessionStorage } from "./storage.js"

export interface CcOptions {
  /** The cc-sessions store (default `$CC_SESSIONS_HOME`, then `~/.channelcoder`). */
  readonly storeDir?: string
  /** Claude config roots for transcripts (default `$CLAUDE_CONFIG_DIR`, then `~/.claude`). */
  readonly claudeHomes?: ReadonlyArray<string>
}

export type CcSessionOptions = SessionOptions & CcOptions

/** Where a detached run's log goes when the caller names none: found again from its placeholder. */
export const detachedLogPath = (storeDir: string, name: string, placeholder: string): string =>
  join(storeDir, "logs", "channelcoder", name, `${placeholder}.log`)

/** A storage of the caller's, wrapped so that the live state and every save are seen. */
const observing = (inner: SessionStorage, storeDir: string): CcSessionStorage => {
  const ours = ccSessionStorage({ storeDir })
  const live = new Map<string, SessionState>()
  return {
    ...ours,
    liveState: (name) => live.get(name),
    async save(state, name) {
      const path = await inner.save(state, name)
      const saved = ours.nameOf(state)
      live.set(saved, state)
      await (await ours.recorder()).recordSave(channelCoderLabel(saved), state)
      return path
    },
    async load(nameOrPath) {
      const state = await inner.load(nameOrPath)
      live.set(ours.nameOf(state), state)
      return state
    },
    list: () => inner.list()
  }
}

class Bridge {
  #resolver: Promise<OpenedResolver> | undefined
  #state: SessionState | undefined

  constructor(
    readonly inner: Session,
    readonly storage: CcSessionStorage,
    readonly storeDir: string,
    readonly options: CcSessionOptions
  ) {}

  /** The state ChannelCoder's session holds, made to pass through our storage once if need be. */
  async state(): Promise<SessionState> {
    if (this.#state !== undefined) return this.#state
    const name = this.options.name
    const seen = name === undefined ? undefined : this.storage.liveState(name)
    if (seen !== undefined) {
      this.#state = seen
      return seen
    }
    const path = await this.inner.save(name)
    const saved = this.storage.liveState(path.slice(path.lastIndexOf("/") + 1, -".json".length))
    if (saved === undefined) throw new Error("the session's state did not pass through its storage")
    this.#state = saved
    return saved
  }

  adopt(state: SessionState): void {
    this.#state = state
  }

  get name(): string {
    return this.#state === undefined ? (this.options.name ?? "session") : this.storage.nameOf(this.#state)
  }

  #opened(): Promise<OpenedResolver> {
    this.#resolver ??= openResolver({
      storeDir: this.storeDir,
      ...(this.options.claudeHomes === undefined ? {} : { claudeHomes: this.options.claudeHomes }),
      sources: [channelCoderPromiseSource({ home: join(this.storage.basePath, "..") })]
    })
    return this.#resolver
  }

  /**
   * Replaces every placeholder of the session that can be told for certain: a detached run's
   * own log first (it names the id as soon as claude starts), then transcripts.
   */
  async repair(): Promise<void> {
    const state = await this.state()
    // the live state holds Dates: its JSON is the file's, decoded like any ChannelCoder file
    const record = JSON.parse(JSON.stringify(state)) as ChannelCoderRecord
    const decoded = decodeChannelCoderSession(record)
    if (Exit.isFailure(decoded)) return
    const runs = channelCoderRuns(decoded.value, this.name)
    if (runs.length === 0) return
    const resolutions: Array<PlaceholderResolution> = []
    let opened: OpenedResolver | undefined
    for (const run of runs) {
      const log = detachedLogPath(this.storeDir, this.name, run.placeholder)
      if (run.placeholder !== "pending" && existsSync(log)) {
        const ids = [
          ...new Set(
            (await collectPromise(detachedLogPromiseSource(), { logPath: log }))
              .filter((d): d is SessionFound => d._tag === "SessionFound")
              .map((d) => d.claudeSessionId)
          )
        ]
        if (ids.length === 1) {
          resolutions.push({ run, claudeSessionId: ids[0] as ClaudeSessionId })
          continue
        }
      }
      opened ??= await this.#opened()
      const outcome = await opened.resolver.resolveRun(run)
      if (outcome._tag === "Resolved") resolutions.push({ run, claudeSessionId: outcome.claudeSessionId })
    }
    if (resolutions.length === 0) return
    const chainOf = (id: ClaudeSessionId) => (opened === undefined ? [id] : opened.resolver.chainOf(id))
    const repaired = replaceChannelCoderPlaceholders(record, resolutions, chainOf).record
    // in place: ChannelCoder's session holds this very object
    state.sessionChain = repaired.sessionChain as Array<string>
    if (typeof repaired.currentSessionId === "string") state.currentSessionId = repaired.currentSessionId
    state.messages.forEach((m, i) => {
      const replaced = (repaired.messages as Array<{ sessionId: string }>)[i]?.sessionId
      if (replaced !== undefined) m.sessionId = replaced
    })
    await this.inner.save(this.name)
    await (await this.storage.recorder()).recordIds(
      channelCoderLabel(this.name),
      resolutions.map((r) => r.claudeSessionId),
      `placeholder of ChannelCoder session ${this.name} replaced`,
      this.#facts()
    )
  }

  #facts() {
    const cwd = this.options.cwd
    return cwd === undefined ? {} : { cwd }
  }

  /** `.detached()`: a stream-json log always, the prompt on stdin even on a resume. */
  async detached(promptOrFile: string, options: ClaudeOptions = {}): Promise<CCResult> {
    await this.repair()
    const state = await this.state()
    const resumeId = state.sessionChain.at(-1)
    const cwd = options.cwd ?? this.options.cwd
    // ChannelCoder builds the command (prompt files, templates, tools, system prompts); we run it
    const plan = await channelCoderDetached(promptOrFile, {
      ...options,
      ...(resumeId === undefined ? {} : { resume: resumeId }),
      ...(cwd === undefined ? {} : { cwd }),
      outputFormat: "stream-json",
      dryRun: true
    })
    const data = plan.data as { command?: string; args?: Array<string>; prompt?: string } | undefined
    if (!plan.success || data?.command === undefined || data.args === undefined || data.prompt === undefined) {
      return plan
    }
    const placeholder = resumeId ?? state.currentSessionId ?? `detached-${Date.now()}`
    const logFile = options.logFile ?? detachedLogPath(this.storeDir, this.name, placeholder)
    mkdirSync(join(logFile, ".."), { recursive: true, mode: 0o700 })
    const fd = openSync(logFile, "a", 0o600)
    let pid: number | undefined
    try {
      const child = spawn(data.command, data.args, {
        detached: true,
        stdio: ["pipe", fd, fd],
        cwd: cwd ?? process.cwd()
      })
      const started = await new Promise<{ ok: true } | { ok: false; error: Error }>((resolve) => {
        child.once("spawn", () => resolve({ ok: true }))
        child.once("error", (error) => resolve({ ok: false, error }))
      })
      if (!started.ok) return { success: false, error: `could not start ${data.command}: ${started.error.message}` }
      child.stdin?.end(data.prompt)
      child.unref()
      pid = child.pid
    } finally {
      closeSync(fd)
    }
    state.messages.push({ role: "user", content: data.prompt, timestamp: new Date(), sessionId: placeholder })
    state.metadata.lastActive = new Date()
    if (state.currentSessionId === undefined) {
      state.sessionChain.push(placeholder)
      state.currentSessionId = placeholder
    }
    await this.inner.save(this.name)
    await (await this.storage.recorder()).stableIdFor(channelCoderLabel(this.name), {
      cwd: cwd ?? process.cwd(),
      promptHash: hashPrompt(data.prompt),
      logPath: logFile,
      at: new Date().toISOString()
    })
    return {
      success: true,
      data: { pid, detached: true, logFile, streaming: true },
      ...(pid === undefined ? {} : { pid }),
      logFile,
      detached: true,
      streaming: true
    }
  }
}

const wrap = (bridge: Bridge): Session => {
  const inner = bridge.inner
  const claude = (async (...args: Parameters<Session["claude"]>) => {
    await bridge.repair()
    return (inner.claude as (...a: Parameters<Session["claude"]>) => ReturnType<Session["claude"]>)(...args)
  }) as Session["claude"]
  return {
    ...inner,
    claude,
    run: (async (...args: Parameters<Session["run"]>) => {
      await bridge.repair()
      return inner.run(...args)
    }) as Session["run"],
    interactive: (async (...args: Parameters<Session["interactive"]>) => {
      await bridge.repair()
      return inner.interactive(...args)
    }) as Session["interactive"],
    stream: ((...args: Parameters<Session["stream"]>) =>
      (async function* () {
        await bridge.repair()
        yield* inner.stream(...args)
      })()) as Session["stream"],
    detached: ((promptOrFile: string, options?: ClaudeOptions) =>
      bridge.detached(promptOrFile, options)) as Session["detached"]
  }
}

/** ChannelCoder's `session(options)`, plus `{ storeDir, claudeHomes }`. */
export function session(options: CcSessionOptions = {}): Session {
  const storeDir = options.storeDir ?? defaultStoreDir()
  const storage =
    options.storage === undefined
      ? ccSessionStorage({ storeDir, ...(options.cwd === undefined ? {} : { cwd: options.cwd }) })
      : observing(options.storage, storeDir)
  const inner = channelCoderSession({ ...options, storage })
  return wrap(new Bridge(inner, storage, storeDir, options))
}

/** ChannelCoder's `session.load(nameOrPath, storage?)`, plus `{ storeDir, claudeHomes }`. */
session.load = async (nameOrPath: string, storage?: SessionStorage, options: CcOptions = {}): Promise<Session> => {
  const storeDir = options.storeDir ?? defaultStoreDir()
  const ours = storage === undefined ? ccSessionStorage({ storeDir }) : observing(storage, storeDir)
  const inner = await channelCoderSession.load(nameOrPath, ours)
  const bridge = new Bridge(inner, ours, storeDir, options)
  const base = nameOrPath.slice(nameOrPath.lastIndexOf("/") + 1).replace(/\.json$/, "")
  const state = ours.liveState(base)
  if (state !== undefined) bridge.adopt(state)
  return wrap(bridge)
}

/** ChannelCoder's `session.list(storage?)`. */
session.list = (storage?: SessionStorage, options: CcOptions = {}) =>
  (storage ?? ccSessionStorage(options.storeDir === undefined ? {} : { storeDir: options.storeDir })).list()
