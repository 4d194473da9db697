/**
 * The event log as a file: created 0600, appended whole or cut back, a torn last line (a writer
 * killed mid-append) moved aside, and what a reader may do with it.
 */
import {
  appendFileSync,
  closeSync,
  fdatasyncSync,
  fstatSync,
  ftruncateSync,
  openSync,
  readSync,
  writeSync
} from "node:fs"
import type { TornTailRepaired } from "./diagnostics.js"

export const ensureFile = (path: string): void => {
  const fd = openSync(path, "a", 0o600)
  closeSync(fd)
}

/**
 * Moves a partial last line (a writer killed mid-append) into the quarantine file and cuts it
 * from the log, so the next append never glues a new event onto garbage. Must run under the
 * append lock: only then is a missing final newline certainly a crash, not a write in flight.
 */
export const repairTornTail = (path: string, quarantinePath: string): TornTailRepaired | undefined => {
  const fd = openSync(path, "r+")
  try {
    const size = fstatSync(fd).size
    if (size === 0) return undefined
    const last = Buffer.alloc(1)
    readSync(fd, last, 0, 1, size - 1)
    if (last[0] === 0x0a) return undefined
    // walk back to the previous newline in bounded chunks
    const chunk = Buffer.allocUnsafe(64 * 1024)
    let end = size
    let lineStart = 0
    while (end > 0) {
      const start = Math.max(0, end - chunk.length)
      const n = readSync(fd, chunk, 0, end - start, start)
      const nl = chunk.subarray(0, n).lastIndexOf(0x0a)
      if (nl !== -1) {
        lineStart = start + nl + 1
        break
      }
      end = start
    }
    const length = size - lineStart
    const torn = Buffer.allocUnsafe(length)
    readSync(fd, torn, 0, length, lineStart)
    const record = `${JSON.stringify({ at: new Date().toISOString(), offset: lineStart, length, base64: torn.toString("base64") })}\n`
    appendFileSync(quarantinePath, record, { mode: 0o600 })
    ftruncateSync(fd, lineStart)
    fdatasyncSync(fd)
    return { _tag: "TornTailRepaired", offset: lineStart, length, quarantine: quarantinePath }
  } finally {
    closeSync(fd)
  }
}

/** Writes the whole buffer; on failure cuts the file back so no partial event stays behind. */
export const appendAll = (path: string, data: Buffer, durable: boolean): { from: number; to: number } => {
  const fd = openSync(path, "a", 0o600)
  try {
    const from = fstatSync(fd).size
    let written = 0
    try {
      while (written < data.length) written += writeSync(fd, data, written, data.length - written)
      if (durable) fdatasyncSync(fd)
    } catch (error) {
      try {
        ftruncateSync(fd, from)
      } catch {
        // the log is repaired on the next open or append (torn-tail repair)
      }
      throw error
    }
    return { from, to: from + data.length }
  } finally {
    closeSync(fd)
  }
}

export const canRead = (path: string): boolean => {
  try {
    closeSync(openSync(path, "r"))
    return true
  } catch {
    return false
  }
}

export const fstatSize = (path: string): number => {
  const fd = openSync(path, "r")
  try {
    return fstatSync(fd).size
  } finally {
    closeSync(fd)
  }
}
