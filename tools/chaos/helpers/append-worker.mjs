// One appender of the load test: `count` events for session `worker`, in batches of 1..maxBatch.
import { makeEvent, openEventLog } from "@cc/events"

const [dir, worker, count, maxBatch] = process.argv.slice(2)
const log = await openEventLog({ dir, durable: false, lock: { timeoutMs: 120_000 } })
const session = `cc-session-00000000-0000-4000-8000-${String(worker).padStart(12, "0")}`
let n = 0
let seed = Number(worker) * 7919
while (n < Number(count)) {
  seed = (seed * 1103515245 + 12345) % 2147483648
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
  await log.append(events)
}
