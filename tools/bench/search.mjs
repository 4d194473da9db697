// search as a whole cc-session process: one session's first prompt, found only by reading every
// transcript (no --limit); cold and warm without the memory of earlier searches, then the same
// search again, remembered, with nothing changed and with one transcript appended each time.

import { spawnSync } from "node:child_process"
import { appendFileSync, truncateSync } from "node:fs"
import { appendedLine, dropCaches, smoke, timeProcess } from "./processes.mjs"

export const measureSearch = ({ size, store, liveFile, liveSize, ccArgs }) => {
  const needle = `task ${Math.floor(size / 2)}:`
  const args = (...more) => ccArgs(store, "search", needle, ...more)
  const cold = timeProcess(args("--no-memory"), { runs: smoke ? 1 : 3, before: () => dropCaches() })
  const warm = timeProcess(args("--no-memory"), { runs: smoke ? 1 : 3 })
  spawnSync(process.execPath, args(), { maxBuffer: 1 << 28 })
  const repeated = timeProcess(args(), { runs: smoke ? 1 : 5 })
  const appended = timeProcess(args(), {
    runs: smoke ? 1 : 5,
    before: (i) => appendFileSync(liveFile, appendedLine(`search-${size}-${i}`, "live"))
  })
  // the corpus is kept across runs: the file is cut back to what it was
  truncateSync(liveFile, liveSize)
  return { cold, warm, repeated, appended }
}

export const searchRows = (row, size, searched, fullFloor) => {
  row(
    size,
    "process: cc-session search TEXT (cold: caches dropped, no memory)",
    searched.cold,
    "full read cold",
    fullFloor,
    undefined,
    undefined,
    "≤ 1.3× full-read floor"
  )
  row(size, "process: cc-session search TEXT (warm page cache, no memory)", searched.warm, "full read cold", fullFloor)
  row(
    size,
    "process: cc-session search TEXT again (remembered, nothing changed)",
    searched.repeated,
    "search warm",
    searched.warm
  )
  row(
    size,
    "process: cc-session search TEXT again (remembered, one transcript appended)",
    searched.appended,
    "search warm",
    searched.warm
  )
}
