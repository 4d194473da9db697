// One of the concurrent appenders: `count` events for its own session, in batches of 1..8,
// each event's id naming the worker and its place.
import { makeEvent } from "@cc/events"
import { openPostgresEventLog } from "../../dist/index.js"

const [url, prefix, worker, count] = process.argv.slice(2)
const log = await openPostgresEventLog({ url, prefix })
const session = `cc-session-00000000-0000-4000-8000-${String(worker).padStart(12, "0")}`
let n = 0
let seed = Number(worker) * 7919
while (n < Number(count)) {
  seed = (seed * 48271) % 2147483647
  const events = []
  for (let i = 0; i < 1 + (seed % 8) && n < Number(count); i++, n++) {
    events.push(makeEvent("session.labeled", session, { label: `w${worker}-${n}` }, { id: `w${worker}-e${n}-pg` }))
  }
  await log.append(events)
}
await log.close()
