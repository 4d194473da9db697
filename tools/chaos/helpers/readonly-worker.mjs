// Opens a store it may read but not write (run as an unprivileged user) and tries to append.
import { makeEvent, openEventLog } from "@cc/events"

const [dir] = process.argv.slice(2)
if (process.getuid?.() === 0) process.setuid?.(65534)
const out = {}
try {
  const log = await openEventLog({ dir })
  out.read = (await log.read()).events.length
  try {
    await log.append([
      makeEvent("session.labeled", "cc-session-00000000-0000-4000-8000-000000000001", { label: "nope" })
    ])
    out.append = "succeeded"
  } catch (error) {
    out.append = error._tag
    out.message = error.message
  }
} catch (error) {
  out.open = error._tag
  out.message = error.message
}
process.stdout.write(JSON.stringify(out))
