// One appender of the PostgreSQL load test: `count` events for session `worker`, in batches of
// 1..maxBatch, each append one transaction. Prints each append's latency (ms) as JSON at the end.
import { makeEvent } from "@cc/events"
import { openPostgresEventLog } from "@cc/store-postgres"

const [url, worker, count, maxBatch] = process.argv.slice(2)
const log = await openPostgresEventLog({ url, poolSize: 1 })
const session = `cc-session-00000000-0000-4000-8000-${String(worker).padStart(12, "0")}`
const latencies = []
let n = 0
let seed = Number(worker) * 7919
while (n < Number(count)) {
  seed = (seed * 48271) % 2147483647
  const size = 1 + (seed % Number(maxBatch))
  const events = []
  for (let i = 0; i < size && n < Number(count); i++, n++) {
    events.push(makeEvent("session.labeled", session, { label: `w${worker}-${n}` }, { id: `w${worker}-e${n}-pg` }))
  }
  const started = performance.now()
  await log.append(events)
  latencies.push(Math.round((performance.now() - started) * 1000) / 1000)
}
await log.close()
process.stdout.write(`${JSON.stringify({ worker: Number(worker), latencies })}\n`)
