// Node built-ins only: the detached supervisor loads this before anything else, so that claude
// is running (and writing its log) within milliseconds of the launch, whatever happens after.
import { type ChildProcess, spawn } from "node:child_process"
import { closeSync, openSync } from "node:fs"

export interface ClaudeInvocation {
  readonly claudeBin: string
  readonly args: ReadonlyArray<string>
  readonly cwd: string
  readonly logPath: string
  /** Sent on claude's stdin (`-p` reads it there): never in a command line, where `ps` shows it. */
  readonly prompt?: string
}

/** Starts claude with stdout and stderr going straight to the log file (append, 0600). */
export const spawnClaude = (invocation: ClaudeInvocation): ChildProcess => {
  const logFd = openSync(invocation.logPath, "a", 0o600)
  try {
    const child = spawn(invocation.claudeBin, [...invocation.args], {
      cwd: invocation.cwd,
      stdio: [invocation.prompt === undefined ? "ignore" : "pipe", logFd, logFd],
      env: process.env
    })
    // kept until someone asks: an "error" with no listener yet would end the process
    child.once("error", (error) => startErrors.set(child, error))
    if (child.stdin !== null) {
      // a claude that exits before reading its prompt closes the pipe: not our failure to report
      child.stdin.on("error", () => {})
      child.stdin.end(invocation.prompt)
    }
    return child
  } finally {
    closeSync(logFd)
  }
}

const startErrors = new WeakMap<ChildProcess, Error>()

/** Why claude could not be started (not found, not executable), if it could not. */
export const startError = (child: ChildProcess): Error | undefined => startErrors.get(child)

const isStringArray = (value: unknown): value is Array<string> =>
  Array.isArray(value) && value.every((v) => typeof v === "string")

/** Just enough of the run spec to start claude; the supervisor decodes the whole spec after. */
export const invocationOf = (value: unknown): ClaudeInvocation | undefined => {
  if (typeof value !== "object" || value === null) return undefined
  const field = (name: string): unknown => (name in value ? Reflect.get(value, name) : undefined)
  const [claudeBin, args, cwd, logPath, prompt] = ["claudeBin", "args", "cwd", "logPath", "prompt"].map(field)
  return typeof claudeBin === "string" &&
    isStringArray(args) &&
    typeof cwd === "string" &&
    typeof logPath === "string" &&
    (prompt === undefined || typeof prompt === "string")
    ? { claudeBin, args, cwd, logPath, ...(prompt === undefined ? {} : { prompt }) }
    : undefined
}
