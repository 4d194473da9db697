// Runs the real Claude Code CLI offline against the stand-in, in a temp home. stdin is closed:
// with a stdin pipe left open, `claude -p` (1.0.x) waits on it forever.
import { spawn } from "node:child_process"
import { claudeEnv } from "./anthropic-standin.mjs"
import { claudeCommand } from "./claude-bins.mjs"

/**
 * @param {{ generation: "2.1" | "1.0", args: string[], cwd: string, home: string, standinUrl: string, timeoutMs?: number }} o
 * @returns {Promise<{ stdout: string, stderr: string, code: number | null }>}
 */
export const runClaude = (o) =>
  new Promise((resolve, reject) => {
    const { command, args } = claudeCommand(o.generation)
    const child = spawn(command, [...args, ...o.args], {
      cwd: o.cwd,
      env: claudeEnv(o.standinUrl, o.home),
      stdio: ["ignore", "pipe", "pipe"]
    })
    let stdout = ""
    let stderr = ""
    child.stdout.on("data", (d) => {
      stdout += d
    })
    child.stderr.on("data", (d) => {
      stderr += d
    })
    const timer = setTimeout(() => child.kill("SIGKILL"), o.timeoutMs ?? 60_000)
    child.on("error", (error) => {
      clearTimeout(timer)
      reject(error)
    })
    child.on("close", (code) => {
      clearTimeout(timer)
      resolve({ stdout, stderr, code })
    })
  })
