/**
 * `watch <ref>`: the session's events as JSON lines, live, until its run ends — also when its
 * supervisor died: the run's processes are checked every second, and a run found gone is
 * settled from its log (finished, failed, or lost), which ends the watch.
 */
import { CliFailure, type Context } from "../context.js"

export const watch = async (ctx: Context): Promise<void> => {
  const ref = ctx.parsed.positionals[0] as string
  const { resolver, log } = await ctx.open()
  const r = await resolver.resolve(ref)
  if (r.stableId === null) throw new CliFailure("not_found", `${ref} has no stable id in this store: nothing to watch`)
  const id = r.stableId
  const abort = new AbortController()
  const open = new Set<string>()
  let sawRun = false
  const checker = setInterval(() => {
    resolver.settle(id).catch(() => {})
  }, 1000)
  try {
    for await (const item of log.tail({ pollMs: 100, signal: abort.signal })) {
      if (item._tag !== "Event" || item.stored.event.session !== id) continue
      const e = item.stored.event
      ctx.out(JSON.stringify(e))
      if (e.type === "run.started") {
        sawRun = true
        open.add((e.payload as { runId: string }).runId)
      } else if (e.type === "run.finished") {
        open.delete((e.payload as { runId: string }).runId)
      }
      if (sawRun && open.size === 0) break
    }
  } finally {
    clearInterval(checker)
    abort.abort()
  }
}
