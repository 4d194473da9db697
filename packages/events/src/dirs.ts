import { randomBytes } from "node:crypto"
import { chmodSync, closeSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, statSync, writeSync } from "node:fs"
import { dirname, resolve } from "node:path"
import { errnoCode } from "./errno.js"

/**
 * `mkdir -p` with our modes: creates the missing directories of `path` one at a time (0700 by
 * default, tightened past the umask) and returns the first one it created. Node's own
 * `mkdirSync(…, { recursive: true })` never returns on some pseudo-filesystems (a path under
 * /proc): one component at a time, every failure is an error instead.
 */
export const ensureDirectory = (path: string, mode = 0o700): string | undefined => {
  const target = resolve(path)
  const missing: Array<string> = []
  let current = target
  for (;;) {
    try {
      if (!statSync(current).isDirectory()) {
        throw Object.assign(new Error(`${current} is not a directory`), { code: "ENOTDIR" })
      }
      break
    } catch (error) {
      if (errnoCode(error) !== "ENOENT") throw error
      missing.push(current)
      const parent = dirname(current)
      if (parent === current) break
      current = parent
    }
  }
  for (const dir of missing.reverse()) {
    try {
      mkdirSync(dir, { mode })
      chmodSync(dir, mode)
    } catch (error) {
      if (errnoCode(error) !== "EEXIST") throw error
    }
  }
  return missing[0]
}

/** What an atomic write writes: text, bytes, or pieces of either (a large index is never joined whole). */
export type AtomicContent = string | Uint8Array | Iterable<string | Uint8Array>

const writeAll = (fd: number, bytes: Uint8Array): void => {
  for (let at = 0; at < bytes.length; ) at += writeSync(fd, bytes, at, bytes.length - at)
}

/**
 * The one atomic write (sidecars, indexes, listings, snapshots, ChannelCoder files): a reader
 * sees the old content or the new, never a torn one, and the new content survives a crash once
 * this returns. A temp file beside it (written, fsynced, given `mode` exactly), then a rename
 * over it; the temp file is removed if anything fails.
 *
 * `durable: false` leaves out the fsync, for caches only (the transcript index, the kept
 * listing): each checks its own digests and is made again if a power cut left it torn, so
 * waiting for the disk on every listing would buy nothing.
 */
export const writeFileAtomicSync = (
  path: string,
  content: AtomicContent,
  mode = 0o600,
  options: { readonly durable?: boolean } = {}
): void => {
  const temp = `${path}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`
  const fd = openSync(temp, "wx", mode)
  try {
    const pieces = typeof content === "string" || content instanceof Uint8Array ? [content] : content
    for (const piece of pieces) writeAll(fd, typeof piece === "string" ? Buffer.from(piece) : piece)
    if (options.durable !== false) fsyncSync(fd)
  } catch (error) {
    closeSync(fd)
    rmSync(temp, { force: true })
    throw error
  }
  closeSync(fd)
  try {
    // the umask may have narrowed it: the mode asked for, exactly
    chmodSync(temp, mode)
    renameSync(temp, path)
  } catch (error) {
    rmSync(temp, { force: true })
    throw error
  }
}

/** Why a process cannot start in `dir`, if it cannot (Node would blame the command: `spawn … ENOENT`). */
export const directoryProblem = (dir: string): string | undefined => {
  const stat = statSync(dir, { throwIfNoEntry: false })
  if (stat === undefined) return `the directory ${dir} does not exist`
  return stat.isDirectory() ? undefined : `${dir} is not a directory`
}
