// One appender of the load test: `count` events for session `worker`, in batches of 1..maxBatch.
// Prints each append's latency (ms, from the call to its return) as one JSON line at the end.
import { makeEvent, openEventLog } from "@cc/events"

const [dir, worker, count, maxBatch] = process.argv.slice(2)
const log = await openEventLog({ dir, durable: false })
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
process.stdout.write(`${JSON.stringify({ worker: Number(worker), latencies })}\n`)
