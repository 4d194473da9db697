// Preloaded into a measured process (node --import): reports its peak RSS on exit.
import { writeSync } from "node:fs"

process.on("exit", () => {
  try {
    writeSync(2, `\n@@rss ${process.resourceUsage().maxRSS}\n`)
  } catch {}
})
