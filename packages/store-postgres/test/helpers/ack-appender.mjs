// Appends one event at a time until killed, printing each id once its append returned (acknowledged).
import { makeEvent } from "@cc/events"
import { openPostgresEventLog } from "../../dist/index.js"

const [url] = process.argv.slice(2)
const log = await openPostgresEventLog({ url, attempts: 60 })
const session = "cc-session-00000000-0000-4000-8000-00000000beef"
for (let n = 0; n < 100_000; n++) {
  const id = `ack-event-${String(n).padStart(8, "0")}`
  try {
    await log.append([makeEvent("session.labeled", session, { label: `n${n}` }, { id })])
    process.stdout.write(`${id}\n`)
  } catch (error) {
    process.stderr.write(`${error.message}\n`)
  }
}
