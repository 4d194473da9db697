// Spawned by the multi-process test: appends `count` events in batches of `batch`.
import { makeEvent, openEventLog } from "../../dist/index.js"

const [dir, worker, count, batch] = process.argv.slice(2)
const log = await openEventLog({ dir, durable: false, lock: { timeoutMs: 60_000 } })
const session = `cc-session-00000000-0000-4000-8000-${String(worker).padStart(12, "0")}`
let n = 0
while (n < Number(count)) {
  const events = []
  for (let i = 0; i < Number(batch) && n < Number(count); i++, n++) {
    events.push(
      makeEvent(
        "session.labeled",
        session,
        { label: `w${worker}-e${n}-${"x".repeat(n % 300)}` },
        { id: `w${worker}-e${n}-idxx` }
      )
    )
  }
  await log.append(events)
}
