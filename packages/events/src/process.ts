/**
 * Is a process still the one we started? A pid alone is not enough (pids are reused), so a
 * process is named by its pid, its start time (clock ticks since boot, from /proc on Linux) and
 * its host. Used by the append queue (is a ticket's owner gone?) and by the resolver (is a run
 * still going?).
 */
import { readFileSync } from "node:fs"
import { hostname } from "node:os"
import { errnoCode } from "./errno.js"

/**
 * This machine as cc-sessions names it: `CC_SESSIONS_HOST`, else the hostname. Events record it,
 * and a process recorded on another host is never checked from here.
 */
export const HOST = process.env.CC_SESSIONS_HOST || hostname()

/** `/proc/<pid>/stat` from its 3rd field on (Linux); undefined where it cannot be read. */
const statFields = (pid: number): Array<string> | undefined => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8")
    // the command name (field 2) is in parentheses and may hold spaces or parentheses itself
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")
  } catch {
    return undefined
  }
}

/** The start time of a live process (Linux), `"0"` where it cannot be read. */
export const processStartTime = (pid: number): string => statFields(pid)?.[19] ?? "0"

let ownStart: string | undefined
/** This process's own start time. */
export const ownStartTime = (): string => {
  ownStart ??= processStartTime(process.pid)
  return ownStart
}

export interface ProcessIdentity {
  readonly pid: number
  /** From `processStartTime` when it was started; `"0"` or absent: unknown. */
  readonly start?: string
  readonly host?: string
}

/**
 * `true`: certainly gone (dead, or its pid now belongs to a process started at another time);
 * `false`: alive; `undefined`: cannot be told from here (another host).
 */
export const processGone = (p: ProcessIdentity): boolean | undefined => {
  if (p.host !== undefined && p.host !== HOST) return undefined
  try {
    process.kill(p.pid, 0)
  } catch (error) {
    if (errnoCode(error) === "ESRCH") return true
  }
  const fields = statFields(p.pid)
  // a zombie has ended: only nobody reaped it (a parent killed first, no init to adopt it)
  if (fields?.[0] === "Z" || fields?.[0] === "X") return true
  // alive (or another user's): the same process only if it started when recorded
  return p.start !== undefined && p.start !== "0" && (fields?.[19] ?? "0") !== p.start
}
