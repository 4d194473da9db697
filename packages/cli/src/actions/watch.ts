/**
 * `watch <ref>`: every event of the session as JSON lines — all it has so far, then live until
 * each of its runs has ended (also when its supervisor died: the run's processes are checked
 * every second, and a run found gone is settled from its log: finished, failed, or lost). A
 * session with no run going (finished, or adopted and never run here) prints its events and ends.
 */
import { statSync } from "node:fs"
import { isKnownEvent, isStableId, type SessionEvent, type SessionView } from "@cc/events"
import { CliFailure, type Context, firstPositional } from "../context.js"

/** Runs started and not finished, after `events`. */
const openRuns = (open: Set<string>, e: SessionEvent): void => {
  if (!isKnownEvent(e)) return
  if (e.type === "run.started") open.add(e.payload.runId)
  else if (e.type === "run.finished") open.delete(e.payload.runId)
}

/** How long a launch's first run is waited for once its log (or the session) has been quiet. */
const FIRST_RUN_WAIT_MS = 30_000

/** A session cc-session launched (its log was named when it was opened). */
const launched = (view: SessionView | undefined): boolean => view?.logPath !== undefined && view.runs.length === 0

/** How long `path` has been still: since its last write, or since `since` while it is not there (another host's). */
const quietFor = (path: string | undefined, since: number): number => {
  const stat = path === undefined ? undefined : statSync(path, { throwIfNoEntry: false })
  return Date.now() - (stat?.mtimeMs ?? since)
}

export const watch = async (ctx: Context): Promise<void> => {
  const since = Date.now()
  const ref = firstPositional(ctx.parsed)
  const { resolver, log } = await ctx.open()
  // a stable id the log knows is watched as it is: a run just started has no Claude id to
  // resolve yet, and following it from its start is what watch is for
  const given = ref.trim().toLowerCase()
  const known = isStableId(given) ? await resolver.settle(given) : undefined
  const id = known?.id ?? (await resolver.resolve(ref)).stableId
  if (id === null) throw new CliFailure("not_found", `${ref} has no stable id in this store: nothing to watch`)
  // a run whose processes are gone gets its end first: it is then in the history below
  const view = known ?? (await resolver.settle(id))
  const history = await log.readSessions({ sessions: [id] })
  const open = new Set<string>()
  for (const { event } of history.events) {
    ctx.out(JSON.stringify(event))
    openRuns(open, event)
  }
  // a launch whose supervisor has not written its run yet (a moment, on a shared log a push
  // away) is waited for; a session never run here (adopted, a run that ended) is not
  let awaitingFirstRun = open.size === 0 && launched(view)
  if (open.size === 0 && !awaitingFirstRun) return
  const abort = new AbortController()
  const checker = setInterval(() => {
    resolver.settle(id).catch(() => {})
    if (awaitingFirstRun && quietFor(view?.logPath, since) > FIRST_RUN_WAIT_MS) abort.abort()
  }, 1000)
  try {
    for await (const item of log.tail({ from: history.nextOffset, pollMs: 100, signal: abort.signal })) {
      if (item._tag !== "Event" || item.stored.event.session !== id) continue
      const e = item.stored.event
      ctx.out(JSON.stringify(e))
      openRuns(open, e)
      if (e.type === "run.started") awaitingFirstRun = false
      if (open.size === 0 && !awaitingFirstRun) break
    }
  } finally {
    clearInterval(checker)
    abort.abort()
  }
}
