// Runs a command to its end with stdin closed (an open stdin pipe makes `claude -p` 1.0.x wait
// forever) and collects what it printed.
import { spawn } from "node:child_process"

/**
 * @param {string} command
 * @param {ReadonlyArray<string>} args
 * @param {{ cwd?: string, env?: NodeJS.ProcessEnv, timeoutMs?: number, onStderr?: (text: string) => void, uid?: number, gid?: number }} [options]
 *   `onStderr`: what it has printed on stderr so far, each time more comes; `uid`/`gid`: run as
 *   another user (root only)
 * @returns {Promise<{ stdout: string, stderr: string, code: number | null }>}
 */
export const runProcess = (command, args, options = {}) =>
  new Promise((resolve, reject) => {
    const child = spawn(command, [...args], {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ["ignore", "pipe", "pipe"],
      ...(options.uid === undefined ? {} : { uid: options.uid }),
      ...(options.gid === undefined ? {} : { gid: options.gid })
    })
    let stdout = ""
    let stderr = ""
    child.stdout.on("data", (d) => {
      stdout += d
    })
    child.stderr.on("data", (d) => {
      stderr += d
      options.onStderr?.(stderr)
    })
    const timer =
      options.timeoutMs === undefined ? undefined : setTimeout(() => child.kill("SIGKILL"), options.timeoutMs)
    child.on("error", (error) => {
      clearTimeout(timer)
      reject(error)
    })
    child.on("close", (code) => {
      clearTimeout(timer)
      resolve({ stdout, stderr, code })
    })
  })
