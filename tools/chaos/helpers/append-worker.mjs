// One appender of the load tests: `count` events for session `worker`, in batches of
// 1..maxBatch, to a file store (a directory) or a PostgreSQL one (a postgres:// URL; each
// append one transaction). Prints each append's latency (ms, from the call to its return) as
// one JSON line at the end.
import { makeEvent, openEventLog } from "@cc/events"

const [where, worker, count, maxBatch] = process.argv.slice(2)
const postgres = where.startsWith("postgres://")
const log = postgres
  ? await (await import("@cc/store-postgres")).openPostgresEventLog({ url: where, poolSize: 1 })
  : await openEventLog({ dir: where, durable: false })
const session = `cc-session-00000000-0000-4000-8000-${String(worker).padStart(12, "0")}`
const latencies = []
let n = 0
let seed = Number(worker) * 7919
while (n < Number(count)) {
  // Park–Miller: every product stays below 2^53, so the batch sizes really vary
  seed = (seed * 48271) % 2147483647
  const size = 1 + (seed % Number(maxBatch))
  const events = []
  for (let i = 0; i < size && n < Number(count); i++, n++) {
    events.push(
      makeEvent(
        "session.labeled",
        session,
        { label: `w${worker}-${n}-${"x".repeat(seed % 200)}` },
        { id: `w${worker}-e${n}-load` }
      )
    )
  }
  const started = performance.now()
  await log.append(events)
  latencies.push(Math.round((performance.now() - started) * 1000) / 1000)
}
await log.close?.()
process.stdout.write(`${JSON.stringify({ worker: Number(worker), latencies })}\n`)
