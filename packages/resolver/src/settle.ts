/**
 * Settling a run nobody saw end: a run whose processes (claude and its supervisor, told apart
 * from a reused pid by their start times) are all gone gets the `run.finished` nobody wrote —
 * from its log's `result` line (`finished` or `failed`), or `lost` with the reason. A run on
 * another host, or one whose processes cannot be checked, is left as it is.
 */
import { statSync } from "node:fs"
import { makeEvent, processGone, type SessionEvent, type SessionView } from "@cc/events"
import { collectPromise, detachedLogPromiseSource, type RunResultFound } from "@cc/sources"

/** A run recorded before supervisors were: orphaned once claude is gone and its log still this long. */
const ORPHAN_QUIET_MS = 30_000

const logStillFor = (path: string | undefined): number => {
  if (path === undefined) return Number.POSITIVE_INFINITY
  try {
    return Date.now() - statSync(path).mtimeMs
  } catch {
    return Number.POSITIVE_INFINITY
  }
}

/** The `run.finished` events that make a session's runs true (none when nothing ended unseen). */
export const settlingEvents = async (view: SessionView): Promise<Array<SessionEvent>> => {
  const id = view.id
  const events: Array<SessionEvent> = []
  for (const run of view.runs) {
    const started = run.started
    if (started === undefined || run.finished !== undefined) continue
    const claudeGone =
      started.pid === undefined
        ? true
        : processGone({
            pid: started.pid,
            ...(started.pidStart === undefined ? {} : { start: started.pidStart }),
            ...(started.host === undefined ? {} : { host: started.host })
          })
    const supervisorGone =
      started.supervisorPid === undefined
        ? // no supervisor (a bridge's detached run, or one written before supervisors were):
          // over once its own claude is known gone, else when its log has been still a while
          (started.pid !== undefined && started.pidStart !== undefined && claudeGone === true) ||
          logStillFor(started.logPath ?? view.logPath) > ORPHAN_QUIET_MS
        : processGone({
            pid: started.supervisorPid,
            ...(started.supervisorStart === undefined ? {} : { start: started.supervisorStart }),
            ...(started.host === undefined ? {} : { host: started.host })
          })
    if (claudeGone !== true || supervisorGone !== true) continue
    const logPath = started.logPath ?? view.logPath
    const found = logPath === undefined ? [] : await collectPromise(detachedLogPromiseSource(), { logPath })
    const result = found.find((d): d is RunResultFound => d._tag === "RunResultFound")
    const who = `claude${started.pid === undefined ? "" : ` (pid ${started.pid})`} and its supervisor${started.supervisorPid === undefined ? "" : ` (pid ${started.supervisorPid})`} are gone`
    events.push(
      makeEvent("run.finished", id, {
        runId: run.runId,
        exitCode: null,
        ...(result === undefined
          ? {
              isError: true,
              lost: `${who}, and ${logPath === undefined ? "no log was kept" : `its log ${logPath} has no result line`}`
            }
          : { isError: result.isError, ...(result.subtype === undefined ? {} : { resultSubtype: result.subtype }) })
      })
    )
  }
  return events
}
