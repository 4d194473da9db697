/**
 * The sessions of a context as SDK rows, kept in memory between calls: `listSessions` makes
 * them from the kept `ls --all` listing (brought up to date by the transcript index's refresh,
 * one stat a transcript), and `getSessionInfo` answers from them after checking only the
 * session's own files, their folders and the event log (a new file in a folder, a changed
 * transcript or a new event: the rows are made again).
 */
import { statSync } from "node:fs"
import { dirname } from "node:path"
import { storeLayout } from "@cc/events"
import { allChains, listingRows } from "@cc/resolver"
import type { SessionsContext } from "./context.js"
import { bySdkOrder, type CcSessionInfo, sessionInfoOf } from "./session-info.js"

interface FileStamp {
  readonly path: string
  readonly size: number
  readonly mtimeMs: number
}

export interface Sessions {
  /** Every row in the SDK's order. */
  readonly rows: ReadonlyArray<CcSessionInfo>
  /** A row by any of its Claude ids, its stable id or its label. */
  readonly byId: ReadonlyMap<string, CcSessionInfo>
}

interface Kept extends Sessions {
  readonly bytes: Buffer
  readonly files: ReadonlyMap<string, FileStamp>
  /** Each project folder's mtime, read just before the rows were made. */
  readonly folders: ReadonlyMap<string, number>
  readonly log: string | undefined
}

const kept = new WeakMap<SessionsContext, Kept>()

const stampOf = (path: string): string | undefined => {
  try {
    const s = statSync(path)
    return `${s.size}:${s.mtimeMs}:${s.ino}`
  } catch {
    return undefined
  }
}

const folderMtime = (path: string): number | undefined => {
  try {
    return statSync(path).mtimeMs
  } catch {
    return undefined
  }
}

const rowsOf = (bytes: Buffer): Sessions => {
  const rows = listingRows(bytes)
    .flatMap((row) => sessionInfoOf(row) ?? [])
    .sort(bySdkOrder)
  const byId = new Map<string, CcSessionInfo>()
  // labels and stable ids first: a Claude id that is also a label never hides its own row
  for (const row of rows) {
    if (row.label !== null && !byId.has(row.label)) byId.set(row.label, row)
    if (row.stableId !== null) byId.set(row.stableId, row)
  }
  for (const row of rows) for (const id of row.claudeSessionIds) byId.set(id, row)
  return { rows, byId }
}

/** Every session of the context, made from the listing (and the previous rows reused when it has not changed). */
export const sessionsOf = async (context: SessionsContext): Promise<Sessions> => {
  const before = kept.get(context)
  // the log's stamp before the listing is made: an event after it makes the next call look again
  const log = context.sharedLog ? undefined : stampOf(storeLayout(context.storeDir).events)
  const { cache } = await context.open()
  // and its folders': a file made in one while the rows are made is seen by the next call
  const folders = new Map<string, number>()
  for (const folder of cache.folderFingerprints().keys()) {
    const mtime = folderMtime(folder)
    if (mtime !== undefined) folders.set(folder, mtime)
  }
  const { rows: bytes } = await allChains(context)
  if (before?.bytes.equals(bytes)) {
    kept.set(context, { ...before, log, folders })
    return before
  }
  const sessions = rowsOf(bytes)
  // each file as the index saw it when the rows were made: from its stamps, nothing decoded
  const files = new Map<string, FileStamp>()
  for (const row of sessions.rows)
    for (const id of row.claudeSessionIds) {
      const stamp = cache.stampOf(id)
      if (stamp !== undefined) files.set(id, stamp)
    }
  kept.set(context, { ...sessions, bytes, files, folders, log })
  return sessions
}

/** Whether a kept row still says what its files say: each unchanged, no file come or gone in their folders, no new event. */
const stillSo = (context: SessionsContext, at: Kept, row: CcSessionInfo): boolean => {
  if (context.sharedLog || at.log === undefined || stampOf(storeLayout(context.storeDir).events) !== at.log)
    return false
  for (const id of row.claudeSessionIds) {
    const file = at.files.get(id)
    if (file === undefined) return false
    try {
      const s = statSync(file.path)
      if (s.size !== file.size || s.mtimeMs !== file.mtimeMs) return false
    } catch {
      return false
    }
    const then = at.folders.get(dirname(file.path))
    if (then === undefined || folderMtime(dirname(file.path)) !== then) return false
  }
  return true
}

/** The row of a reference (a Claude id, a stable id, a label), from the kept rows when they still hold. */
export const sessionRowOf = async (context: SessionsContext, reference: string): Promise<CcSessionInfo | undefined> => {
  const at = kept.get(context)
  const row = at?.byId.get(reference)
  if (at !== undefined && row !== undefined && stillSo(context, at, row)) return row
  return (await sessionsOf(context)).byId.get(reference)
}

/** After a change made here (a title, a tag, a fork): the next call makes the rows again. */
export const forgetSessions = (context: SessionsContext): void => {
  kept.delete(context)
}
