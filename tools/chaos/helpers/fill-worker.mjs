// Appends until the kernel refuses a write (run under `ulimit -f`: EFBIG, the full-disk analog).
import { makeEvent, openEventLog } from "@cc/events"

process.on("SIGXFSZ", () => {}) // with a handler, an over-limit write fails with EFBIG instead of killing us
const [dir] = process.argv.slice(2)
const log = await openEventLog({ dir, durable: false })
const session = "cc-session-00000000-0000-4000-8000-000000000001"
let appended = 0
for (;;) {
  try {
    await log.append([
      makeEvent("session.labeled", session, { label: "y".repeat(700) }, { id: `fill-${appended}-xxxx` })
    ])
    appended++
  } catch (error) {
    process.stdout.write(JSON.stringify({ appended, tag: error._tag, code: error.code, message: error.message }))
    process.exit(0)
  }
}
