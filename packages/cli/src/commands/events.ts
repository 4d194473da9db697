/** `events`: the whole event log, one JSON event a line. */
import type { Context } from "../context.js"

export const events = async (ctx: Context): Promise<void> => {
  // the log alone: no index, no resolver
  const log = await ctx.eventLog()
  const { events: stored, diagnostics } = await log.read()
  for (const s of stored) ctx.out(JSON.stringify(s.event))
  const skipped = diagnostics.filter((d) => d._tag === "SkippedLine")
  if (skipped.length > 0) {
    ctx.warn(
      `${log.location}: ${skipped.length} line${skipped.length === 1 ? "" : "s"} could not be read and ${skipped.length === 1 ? "was" : "were"} skipped (at byte${skipped.length === 1 ? "" : "s"} ${skipped.map((d) => d.offset).join(", ")})`,
      { path: log.location, offsets: skipped.map((d) => d.offset) }
    )
  }
}
