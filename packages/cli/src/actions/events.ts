/** `events`: the whole event log, one JSON event a line. */
import { warnSkippedLines } from "@cc/resolver"
import type { Context } from "../context.js"

export const events = async (ctx: Context): Promise<void> => {
  // the log alone: no index, no resolver
  const log = await ctx.eventLog()
  const { events: stored, diagnostics } = await log.read()
  for (const s of stored) ctx.out(JSON.stringify(s.event))
  warnSkippedLines(
    ctx.warn,
    log.location,
    diagnostics.flatMap((d) => (d._tag === "SkippedLine" ? [d] : []))
  )
}
