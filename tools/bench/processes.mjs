// Running what the benchmark measures, each in a process of its own: a task of measure.mjs, the
// peer (ccusage), a whole cc-session process; and dropping the page cache for cold figures.
import { execFileSync, spawnSync } from "node:child_process"
import { createRequire } from "node:module"
import { dirname, join, resolve } from "node:path"

export const root = resolve(import.meta.dirname, "..", "..")
export const smoke = process.env.BENCH_SMOKE === "1"
const measureScript = join(import.meta.dirname, "measure.mjs")
const hook = join(import.meta.dirname, "rss-hook.mjs")
const ccusageBin = join(dirname(createRequire(import.meta.url).resolve("ccusage/package.json")), "dist", "index.js")

export const measure = (task, args, nodeFlags = []) => {
  const r = spawnSync(process.execPath, ["--expose-gc", ...nodeFlags, measureScript, task, JSON.stringify(args)], {
    encoding: "utf8",
    maxBuffer: 1 << 26
  })
  if (r.status !== 0) throw new Error(`${task}: ${r.stderr}`)
  return JSON.parse(r.stdout)
}

export const peer = (home) => {
  const t = performance.now()
  const r = spawnSync(process.execPath, ["--import", hook, ccusageBin, "session", "--json", "--offline"], {
    encoding: "utf8",
    maxBuffer: 1 << 28,
    env: { ...process.env, CLAUDE_CONFIG_DIR: home, HOME: join(home, "..") }
  })
  const ms = performance.now() - t
  const rss = Number(/@@rss (\d+)/.exec(r.stderr ?? "")?.[1] ?? 0) / 1024
  let sessions = 0
  try {
    sessions = JSON.parse(r.stdout).sessions?.length ?? 0
  } catch {}
  return { ms, rssMB: rss, sessions, status: r.status }
}

const sdkEntry = createRequire(import.meta.url).resolve("@anthropic-ai/claude-agent-sdk")

/** The Agent SDK's `listSessions()` over a Claude home, as a whole process (its own reader, no cache). */
export const sdkListSessions = (home, options = {}) =>
  timeProcess(
    [
      "--input-type=module",
      "-e",
      `const { listSessions } = await import(${JSON.stringify(sdkEntry)}); const rows = await listSessions(); process.stdout.write(String(rows.length))`
    ],
    { ...options, env: { CLAUDE_CONFIG_DIR: home, HOME: join(home, "..") } }
  )

export const dropCaches = () => {
  try {
    execFileSync("sh", ["-c", "sync; echo 3 > /proc/sys/vm/drop_caches"], { stdio: "ignore" })
    return true
  } catch {
    return false
  }
}

export const cliBin = join(root, "packages/cli/dist/cli.js")
export const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
/** A whole process, started `runs` times: median wall time, and the largest peak RSS. */
export const timeProcess = (args, { runs = smoke ? 1 : 7, before, env } = {}) => {
  const times = []
  let rssMB = 0
  for (let i = 0; i < runs; i++) {
    before?.(i)
    const t = performance.now()
    const r = spawnSync(process.execPath, ["--import", hook, ...args], {
      encoding: "utf8",
      maxBuffer: 1 << 28,
      ...(env === undefined ? {} : { env: { ...process.env, ...env } })
    })
    times.push(performance.now() - t)
    if (r.status !== 0) throw new Error(`${args.join(" ")}: ${r.stderr}`)
    rssMB = Math.max(rssMB, Number(/@@rss (\d+)/.exec(r.stderr ?? "")?.[1] ?? 0) / 1024)
  }
  return { ms: median(times), rssMB }
}

/** An assistant message as a live session appends it to its transcript, as one JSONL line. */
export const appendedLine = (uuid, text) =>
  `${JSON.stringify({ type: "assistant", uuid, timestamp: new Date().toISOString(), message: { role: "assistant", content: [{ type: "text", text }] } })}\n`
