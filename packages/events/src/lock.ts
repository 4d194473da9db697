/**
 * A cross-process lock file.
 *
 * Node has no flock(2) without a native addon, so the lock is a file created atomically with
 * its content (written to a temp file, then link(2), which like O_CREAT|O_EXCL fails when the
 * lock exists, on local filesystems and NFS alike), holding the holder's pid, host and time. A holder that died (kill -9) leaves the file behind: a waiter breaks it when
 * the pid is gone on this host, or when it is older than `staleMs` (a holder keeps the lock
 * for one append, milliseconds, so an old lock is a dead one, also across hosts or pid reuse).
 * Breaking is itself serialised by a second O_EXCL file, so two waiters can never both break
 * and one of them delete the other's fresh lock.
 */
import { closeSync, linkSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from "node:fs"
import { hostname } from "node:os"

export interface LockOptions {
  /** How long to wait for the lock before giving up. */
  readonly timeoutMs?: number
  /** Age after which a lock whose holder cannot be checked is considered dead. */
  readonly staleMs?: number
}

export type LockResult =
  | { readonly _tag: "Acquired"; readonly release: () => void }
  | { readonly _tag: "TimedOut"; readonly waitedMs: number; readonly holder: string | undefined }

const host = hostname()

const readHolder = (path: string): string | undefined => {
  try {
    return readFileSync(path, "utf8")
  } catch {
    return undefined
  }
}

const holderIsDead = (content: string): boolean => {
  const [pidText, holderHost] = content.split("\n")
  const pid = Number(pidText)
  if (holderHost !== host || !Number.isInteger(pid) || pid <= 0) return false
  try {
    process.kill(pid, 0)
    return false
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "ESRCH"
  }
}

const ageMs = (path: string): number | undefined => {
  try {
    return Date.now() - statSync(path).mtimeMs
  } catch {
    return undefined
  }
}

/**
 * Creates `path` holding `content`, atomically: the content is written to a private temp file
 * first and hard-linked into place (link fails with EEXIST like O_EXCL), so a holder killed at
 * any point never leaves a lock file without its pid in it.
 */
const tryCreate = (path: string, content: string): boolean => {
  const temp = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`
  const fd = openSync(temp, "wx", 0o600)
  try {
    writeSync(fd, content)
  } finally {
    closeSync(fd)
  }
  try {
    linkSync(temp, path)
    return true
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return false
    throw error
  } finally {
    unlinkQuietly(temp)
  }
}

const unlinkQuietly = (path: string): void => {
  try {
    unlinkSync(path)
  } catch {
    // already gone
  }
}

/** Removes `path` if it still holds exactly `content`, under the breaker lock. */
const breakStale = (path: string, content: string, staleMs: number): void => {
  const breaker = `${path}.breaker`
  if (!tryCreate(breaker, `${process.pid}\n${host}\n${Date.now()}\n`)) {
    // Breaking takes microseconds: a breaker file older than staleMs belongs to a dead breaker.
    const age = ageMs(breaker)
    if (age !== undefined && age > staleMs) unlinkQuietly(breaker)
    return
  }
  try {
    if (readHolder(path) === content) unlinkQuietly(path)
  } finally {
    unlinkQuietly(breaker)
  }
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

/** Tries once, without waiting. Throws only on I/O errors other than "exists". */
export const tryLock = (path: string, staleMs: number): LockResult | undefined => {
  const content = `${process.pid}\n${host}\n${Date.now()}\n${Math.random().toString(36).slice(2)}\n`
  if (tryCreate(path, content)) {
    let released = false
    return {
      _tag: "Acquired",
      release: () => {
        if (released) return
        released = true
        if (readHolder(path) === content) unlinkQuietly(path)
      }
    }
  }
  const holder = readHolder(path)
  if (holder !== undefined) {
    const age = ageMs(path)
    if (holderIsDead(holder) || (age !== undefined && age > staleMs)) breakStale(path, holder, staleMs)
  }
  return undefined
}

export const acquireLock = async (path: string, options: LockOptions = {}): Promise<LockResult> => {
  const timeoutMs = options.timeoutMs ?? 10_000
  const staleMs = options.staleMs ?? 10_000
  const start = Date.now()
  let delay = 1
  for (;;) {
    const result = tryLock(path, staleMs)
    if (result !== undefined) return result
    const waited = Date.now() - start
    if (waited >= timeoutMs) return { _tag: "TimedOut", waitedMs: waited, holder: readHolder(path) }
    // jittered backoff: many appenders must not retry in lock-step
    await sleep(delay + Math.random() * delay)
    delay = Math.min(delay * 2, 25)
  }
}
