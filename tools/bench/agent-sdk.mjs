// @cc/agent-sdk's listSessions() and getSessionInfo() against the Agent SDK's listSessions(), in
// process, on one corpus, in the same run: each measurement a process of its own
// (agent-sdk-task.mjs), cold ones after the page cache is dropped.
import { spawnSync } from "node:child_process"
import { rmSync } from "node:fs"
import { join } from "node:path"
import { dropCaches, smoke } from "./processes.mjs"

const task = join(import.meta.dirname, "agent-sdk-task.mjs")
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]

const run = (mode, home, store) => {
  // the SDK's warm figure is one timed call after one untimed, in each of the runs (it takes seconds)
  const repeat = smoke || mode.startsWith("sdk") ? "1" : "3"
  const r = spawnSync(process.execPath, [task, mode, home, store, repeat], {
    encoding: "utf8",
    maxBuffer: 1 << 26,
    env: { ...process.env, CLAUDE_CONFIG_DIR: home, HOME: join(home, "..") }
  })
  if (r.status !== 0) throw new Error(`agent-sdk ${mode}: ${r.stderr}`)
  return JSON.parse(r.stdout)
}

/** The median of `times` runs of `f` (each figure of the run with the median `ms`). */
const medianRun = (times, f) => {
  const runs = Array.from({ length: times }, (_, i) => f(i))
  const ms = median(runs.map((r) => r.ms))
  return runs.find((r) => r.ms === ms) ?? runs[0]
}

export const measureAgentSdk = ({ home, scratch }) => {
  const times = smoke ? 1 : 3
  const store = join(scratch, "agent-sdk-store")
  const sdkWarm = medianRun(times, () => run("sdk-warm", home, store))
  const sdkCold = medianRun(times, () => {
    dropCaches()
    return run("sdk-cold", home, store)
  })
  const cold = medianRun(times, () => {
    rmSync(store, { recursive: true, force: true })
    dropCaches()
    return run("ours", home, store)
  })
  // warm: the store's index and listing kept by the last run
  const warm = medianRun(times, () => run("ours", home, store))
  return { sdkWarm, sdkCold, cold, warm }
}
