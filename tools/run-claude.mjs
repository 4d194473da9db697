// Runs the real Claude Code CLI offline against the stand-in, in a temp home.
import { claudeEnv } from "./anthropic-standin.mjs"
import { claudeCommand } from "./claude-bins.mjs"
import { runProcess } from "./spawn.mjs"

/**
 * @param {{ generation: "2.1" | "1.0", args: string[], cwd: string, home: string, standinUrl: string, timeoutMs?: number }} o
 * @returns {Promise<{ stdout: string, stderr: string, code: number | null }>}
 */
export const runClaude = (o) => {
  const { command, args } = claudeCommand(o.generation)
  return runProcess(command, [...args, ...o.args], {
    cwd: o.cwd,
    env: claudeEnv(o.standinUrl, o.home),
    timeoutMs: o.timeoutMs ?? 60_000
  })
}
