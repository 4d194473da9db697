/**
 * Runs the `claude` command ChannelCoder builds, with the one thing ChannelCoder cannot say:
 * the Claude session id. ChannelCoder plans every command (prompt files, templates, tools,
 * system prompts: its `dryRun`); this module runs it as ChannelCoder's own process code does
 * (same stdin, same result shapes and error wording, checked against its dist), and adds
 * `--session-id <uuid>` to a new conversation where the installed Claude takes it, so the id
 * is known before the first byte is written. Worktrees come from ChannelCoder's own
 * `WorktreeManager`; a run is started in the worktree's path instead of changing this
 * process's directory.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process"
import { closeSync, mkdirSync, openSync } from "node:fs"
import { dirname } from "node:path"
import { errnoCode, jsonDecoder, NOT_JSON } from "@cc/events"
import {
  type CCResult,
  type ClaudeOptions,
  claude as channelCoderClaude,
  type StreamChunk,
  streamParser,
  WorktreeManager,
  type WorktreeOptions
} from "channelcoder"
import * as Schema from "effect/Schema"

/** What ChannelCoder's dry run plans: the executable, its arguments and the prompt it sends. */
export interface CommandPlan {
  readonly command: string
  readonly args: ReadonlyArray<string>
  readonly prompt: string
}

export type Planned =
  | { readonly _tag: "Plan"; readonly plan: CommandPlan }
  | { readonly _tag: "Refused"; readonly result: CCResult }

/** ChannelCoder's own plan for a call (its dry run), or its own refusal (bad input, a prompt file it cannot read). */
export const planCommand = async (promptOrFile: string, options: ClaudeOptions): Promise<Planned> => {
  const planned = await channelCoderClaude(promptOrFile, { ...options, dryRun: true, detached: false })
  const data = planned.data as { command?: unknown; args?: unknown; prompt?: unknown } | undefined
  if (
    !planned.success ||
    typeof data?.command !== "string" ||
    !Array.isArray(data.args) ||
    typeof data.prompt !== "string"
  ) {
    return { _tag: "Refused", result: planned }
  }
  return {
    _tag: "Plan",
    plan: { command: data.command, args: data.args.map(String), prompt: data.prompt }
  }
}

const helpCache = new Map<string, boolean>()

/**
 * Whether `claude` on this PATH takes `--session-id` (2.1.x does, 1.0.x does not): asked once
 * per PATH, from its own `--help`.
 */
export const supportsSessionId = (env: NodeJS.ProcessEnv = process.env): boolean => {
  const key = env.PATH ?? ""
  const known = helpCache.get(key)
  if (known !== undefined) return known
  const help = spawnSync("claude", ["--help"], { env, encoding: "utf8", timeout: 20_000 })
  const supported = help.status === 0 && `${help.stdout}${help.stderr}`.includes("--session-id")
  helpCache.set(key, supported)
  return supported
}

/** Whether `claude` can be started at all (ChannelCoder's own check, with its wording). */
export const CLAUDE_NOT_FOUND =
  "Claude CLI not found. Please install it first: npm install -g @anthropic-ai/claude-code"

/** Why a command could not be started, in ChannelCoder's words when it is claude that is missing. */
const startFailure = (command: string, error: Error): string =>
  errnoCode(error) === "ENOENT" ? CLAUDE_NOT_FOUND : `could not start ${command}: ${error.message}`

const started = (child: ChildProcess): Promise<Error | undefined> =>
  new Promise((resolve) => {
    child.once("spawn", () => resolve(undefined))
    child.once("error", (error) => resolve(error))
  })

/** What is read of claude's `--output-format json` output (ChannelCoder reads these fields, and only these). */
const ClaudeJson = Schema.Struct({
  session_id: Schema.optionalKey(Schema.String),
  type: Schema.optionalKey(Schema.String),
  result: Schema.optionalKey(Schema.String),
  is_error: Schema.optionalKey(Schema.Boolean)
})
const decodeClaudeJson = jsonDecoder(ClaudeJson, "not claude's JSON output")

/** ChannelCoder's `parseOutput`: a fenced JSON block, else the whole text as JSON. */
const parseOutput = (output: string): unknown => {
  const fenced = output.match(/```json\n([\s\S]*?)\n```/)
  const text = fenced === null ? output : (fenced[1] as string)
  try {
    return JSON.parse(text)
  } catch {
    return null
  }
}

const sessionIdIn = (line: string): string | undefined => {
  const event = streamParser.parseStreamEvent(line)
  return event === null ? undefined : streamParser.extractSessionId(event)
}

export interface RunOptions {
  readonly cwd: string | undefined
  readonly timeout?: number
  readonly verbose?: boolean
  readonly outputFormat?: ClaudeOptions["outputFormat"]
  readonly extraArgs: ReadonlyArray<string>
}

/** A run to its end, as ChannelCoder's `execute` gives it (`success`, `data`, `sessionId`, its error texts). */
export const runToResult = async (plan: CommandPlan, options: RunOptions): Promise<CCResult & { pid?: number }> => {
  const child = spawn(plan.command, [...plan.args, ...options.extraArgs], {
    stdio: ["pipe", "pipe", "pipe"],
    cwd: options.cwd
  })
  let stdout = ""
  let stderr = ""
  child.stdout?.on("data", (chunk: Buffer) => {
    stdout += chunk.toString()
  })
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString()
  })
  const failedToStart = await started(child)
  if (failedToStart !== undefined) {
    const missing = errnoCode(failedToStart) === "ENOENT"
    return { success: false, error: missing ? CLAUDE_NOT_FOUND : `Process execution failed: ${failedToStart}` }
  }
  child.stdin?.on("error", () => undefined)
  child.stdin?.end(plan.prompt)
  const timer = options.timeout === undefined ? undefined : setTimeout(() => child.kill(), options.timeout)
  const exitCode = await new Promise<number>((resolve) => child.once("close", (code) => resolve(code ?? 0)))
  if (timer !== undefined) clearTimeout(timer)
  if (options.verbose === true) {
    if (stdout) console.log("STDOUT:", stdout)
    if (stderr) console.error("STDERR:", stderr)
  }
  const result: CCResult & { pid?: number } = { success: exitCode === 0, stdout, stderr }
  if (child.pid !== undefined) result.pid = child.pid
  if (exitCode !== 0) {
    result.error = `Process exited with code ${exitCode}`
    if (stderr) result.error += `\nStderr: ${stderr}`
    if (stdout) {
      const parsed = decodeClaudeJson(stdout)
      if (parsed._tag === "Bad") {
        if (parsed.reason === NOT_JSON) result.error += `\nStdout: ${stdout}`
      } else if (parsed.value.is_error === true && parsed.value.result) result.error = parsed.value.result
    }
  }
  if (result.success && stdout) {
    if (options.outputFormat === "json") {
      const decoded = decodeClaudeJson(stdout)
      if (decoded._tag === "Ok") {
        const json = decoded.value
        if (json.session_id) result.sessionId = json.session_id
        if (json.type === "result" && json.result) result.data = parseOutput(json.result) ?? json.result
        // a failed resume ("No conversation found", is_error, exit 0) is no success, whatever the exit code
        if (json.type === "result" && json.is_error === true) {
          result.success = false
          result.error = json.result ?? "claude reported an error"
        }
      } else if (decoded.reason === NOT_JSON) {
        const parsed = parseOutput(stdout)
        if (parsed) result.data = parsed
        else result.warnings = ["No JSON output found in response"]
      }
    } else {
      const parsed = parseOutput(stdout)
      if (parsed) result.data = parsed
      else result.warnings = ["No JSON output found in response"]
      for (const line of stdout.split("\n")) {
        const id = line.trim() === "" ? undefined : sessionIdIn(line)
        if (id !== undefined) {
          result.sessionId = id
          break
        }
      }
    }
  }
  return result
}

export interface StreamRunOptions extends RunOptions {
  readonly parse: boolean
  /** Told the Claude session id as soon as the stream's first line names it. */
  readonly onSessionId: (id: string) => void
}

/** ChannelCoder's `stream`: raw stdout chunks (or parsed chunks with `parse`), its error chunks and wording. */
export async function* streamChunks(plan: CommandPlan, options: StreamRunOptions): AsyncGenerator<StreamChunk> {
  const child = spawn(plan.command, [...plan.args, ...options.extraArgs], {
    stdio: ["pipe", "pipe", "pipe"],
    cwd: options.cwd
  })
  const chunks: Array<StreamChunk> = []
  let done = false
  let failure: Error | undefined
  let timedOut = false
  let told = false
  let lineBuffer = ""
  const watchForId = (text: string) => {
    if (told) return
    lineBuffer += text
    const lines = lineBuffer.split("\n")
    lineBuffer = lines.pop() ?? ""
    for (const line of lines) {
      const id = line.trim() === "" ? undefined : sessionIdIn(line)
      if (id !== undefined) {
        told = true
        options.onSessionId(id)
        return
      }
    }
  }
  const timer =
    options.timeout === undefined
      ? undefined
      : setTimeout(() => {
          timedOut = true
          child.kill("SIGTERM")
          setTimeout(() => {
            if (!done) child.kill("SIGKILL")
          }, 5000).unref()
        }, options.timeout)
  child.once("error", (error) => {
    failure = error
    done = true
  })
  child.stdin?.on("error", () => undefined)
  child.stdin?.end(plan.prompt)
  let parseBuffer = ""
  const pushParsed = (line: string) => {
    if (!line.trim()) return
    const event = streamParser.parseStreamEvent(line)
    const chunk = event === null ? null : streamParser.eventToChunk(event)
    if (chunk && (chunk.content || chunk.type === "error")) chunks.push(chunk)
  }
  child.stdout?.setEncoding("utf8")
  child.stdout?.on("data", (text: string) => {
    watchForId(text)
    if (!options.parse) {
      chunks.push({ type: "content", content: text, timestamp: Date.now() })
      return
    }
    parseBuffer += text
    const lines = parseBuffer.split("\n")
    parseBuffer = lines.pop() ?? ""
    for (const line of lines) pushParsed(line)
  })
  child.stdout?.on("end", () => {
    watchForId("\n")
    if (options.parse) pushParsed(parseBuffer)
  })
  let stderr = ""
  child.stderr?.setEncoding("utf8")
  child.stderr?.on("data", (text: string) => {
    stderr += text
  })
  child.once("close", (code, signal) => {
    if (code !== 0 && failure === undefined) {
      let message = timedOut ? `Request timed out after ${options.timeout}ms` : `Process exited with code ${code}`
      if (!timedOut && signal) message += ` (signal: ${signal})`
      if (stderr.trim()) message += `\n${stderr.trim()}`
      chunks.push({ type: "error", content: message, timestamp: Date.now() })
    }
    done = true
  })
  try {
    while (!done || chunks.length > 0) {
      if (failure !== undefined) {
        yield { type: "error", content: `Stream execution failed: ${failure.message}`, timestamp: Date.now() }
        break
      }
      const chunk = chunks.shift()
      if (chunk !== undefined) yield chunk
      else if (!done) await new Promise((r) => setTimeout(r, 10))
    }
  } finally {
    if (timer !== undefined) clearTimeout(timer)
  }
}

export interface DetachedStart {
  readonly pid: number
  readonly logFile: string
}

/**
 * A detached run as ChannelCoder starts one (its own process group, output to the log), with
 * the prompt on stdin even on a resume: ChannelCoder's own sends none then, so Claude has
 * nothing to answer. A start that fails says why instead of returning a pid that never ran.
 */
export const startDetached = async (
  plan: CommandPlan,
  options: { readonly cwd: string | undefined; readonly logFile: string; readonly extraArgs: ReadonlyArray<string> }
): Promise<
  { readonly _tag: "Started"; readonly start: DetachedStart } | { readonly _tag: "Failed"; readonly error: string }
> => {
  mkdirSync(dirname(options.logFile), { recursive: true, mode: 0o700 })
  const fd = openSync(options.logFile, "a", 0o600)
  try {
    const child = spawn(plan.command, [...plan.args, ...options.extraArgs], {
      detached: true,
      stdio: ["pipe", fd, fd],
      cwd: options.cwd
    })
    const failed = await started(child)
    if (failed !== undefined || child.pid === undefined) {
      return {
        _tag: "Failed",
        error: failed === undefined ? `could not start ${plan.command}: no process` : startFailure(plan.command, failed)
      }
    }
    child.stdin?.on("error", () => undefined)
    child.stdin?.end(plan.prompt)
    child.unref()
    return { _tag: "Started", start: { pid: child.pid, logFile: options.logFile } }
  } finally {
    closeSync(fd)
  }
}

/** ChannelCoder's `resolveWorktreeConfig`, with its wording. */
export const worktreeConfig = (worktree: ClaudeOptions["worktree"]): WorktreeOptions & { branch: string } => {
  if (typeof worktree === "boolean" || worktree === undefined) {
    throw new Error(
      'Worktree requires a branch name. Use worktree: "branch-name" or worktree: { branch: "branch-name" }'
    )
  }
  if (typeof worktree === "string") return { branch: worktree }
  if (!worktree.branch) throw new Error("Worktree configuration must specify a branch name")
  return worktree as WorktreeOptions & { branch: string }
}

/** The worktree a run goes to, made if need be (ChannelCoder's `ensureWorktree`): its path. */
export const ensureWorktree = async (worktree: ClaudeOptions["worktree"], cwd: string | undefined): Promise<string> => {
  const config = worktreeConfig(worktree)
  const info = await new WorktreeManager(cwd).ensureWorktree(config.branch, config)
  return info.path
}
