/**
 * A fair cross-process lock: a FIFO queue of ticket files (Lamport's bakery algorithm, with
 * files for the shared variables).
 *
 * Node has no flock(2) without a native addon, and a single polled lock file is not fair: under
 * load, a waiter that backs off loses to one that happens to retry at the right moment, and can
 * wait for ever. Here every waiter takes a numbered ticket and is served in ticket order:
 *
 * - A waiter first creates its "choosing" entry, reads the queue, creates a ticket numbered one
 *   past the highest it saw, then removes the choosing entry. Two waiters may pick the same
 *   number; their ticket names (number, then pid and a nonce) still order them.
 * - It then waits for every waiter that was choosing at that moment (one may be about to take a
 *   lower number, having read the queue before our ticket existed), and after that for every
 *   lower ticket to go. The lowest ticket holds the lock; release removes it.
 * - Entries carry their owner in their name (pid, the process's start time, host), so the queue
 *   needs no file contents and an entry is never half-written. An entry whose owner is gone —
 *   same host, and the pid is dead or now belongs to a process started at another time — is
 *   removed by the waiter behind it. A live owner on this host is never broken, however slow
 *   it is (a holder starved of CPU keeps its lock). Owners on other hosts cannot be checked:
 *   they touch their entries while they wait, and an entry untouched for `staleMs` is dead.
 * - Waiting is on inotify (`fs.watch`) for the entry ahead to go, with a poll as a fallback,
 *   so a hand-over costs no backoff.
 */
import { closeSync, mkdirSync, openSync, readdirSync, statSync, unlinkSync, utimesSync, watch } from "node:fs"
import { join } from "node:path"
import { errnoCode } from "./errno.js"
import { HOST, ownStartTime, processGone } from "./process.js"

export interface LockOptions {
  /**
   * How long to wait for the lock before giving up (default 10 minutes). A fair queue serves
   * every waiter in turn, so the wait is bounded by the work queued ahead: this is a guard
   * against a holder that hangs, not a contention limit.
   */
  readonly timeoutMs?: number
  /** Age after which an entry of another host, which cannot be checked, is considered dead. */
  readonly staleMs?: number
}

export type LockResult =
  | {
      readonly _tag: "Acquired"
      readonly release: () => void
      /** How long the caller waited, and how many were queued ahead of it when it arrived. */
      readonly waitedMs: number
      readonly queuedAhead: number
    }
  | {
      readonly _tag: "TimedOut"
      readonly waitedMs: number
      /** The holder at the time, as `pid@host`, and how many were still ahead of the caller. */
      readonly holder: string | undefined
      readonly queuedAhead: number
    }

const host = HOST
const hostHex = Buffer.from(host, "utf8").toString("hex")
const myStart = ownStartTime

interface Entry {
  readonly name: string
  readonly kind: "t" | "c"
  readonly seq: number
  readonly pid: number
  readonly start: string
  readonly host: string
}

const SEQ_DIGITS = 15

/** `<kind>.<seq>.<pid>.<start>.<nonce>.<host as hex>`: the owner is in the name. */
const entryName = (kind: "t" | "c", seq: number, nonce: string): string =>
  `${kind}.${String(seq).padStart(SEQ_DIGITS, "0")}.${process.pid}.${myStart()}.${nonce}.${hostHex}`

const parseEntry = (name: string): Entry | undefined => {
  const parts = name.split(".")
  if (parts.length !== 6) return undefined
  const [kind, seq, pid, start, , hex] = parts as [string, string, string, string, string, string]
  if ((kind !== "t" && kind !== "c") || !/^\d+$/.test(seq) || !/^\d+$/.test(pid) || !/^[0-9a-f]*$/.test(hex)) {
    return undefined
  }
  return { name, kind, seq: Number(seq), pid: Number(pid), start, host: Buffer.from(hex, "hex").toString("utf8") }
}

const listEntries = (dir: string): Array<Entry> => {
  const entries: Array<Entry> = []
  for (const name of readdirSync(dir)) {
    const entry = parseEntry(name)
    if (entry !== undefined) entries.push(entry)
  }
  return entries
}

const createEmpty = (path: string): void => {
  closeSync(openSync(path, "wx", 0o600))
}

const unlinkQuietly = (path: string): void => {
  try {
    unlinkSync(path)
  } catch {
    // already gone
  }
}

const ownerIsGone = (entry: Entry, path: string, staleMs: number): boolean => {
  if (entry.host !== host) {
    try {
      return Date.now() - statSync(path).mtimeMs > staleMs
    } catch {
      return true
    }
  }
  return processGone({ pid: entry.pid, start: entry.start }) === true
}

/** Resolves when `path` is removed (inotify), or after `pollMs` at the latest. */
const changeOrTimeout = (path: string, pollMs: number): Promise<void> =>
  new Promise((resolve) => {
    let watcher: ReturnType<typeof watch> | undefined
    const done = () => {
      clearTimeout(timer)
      watcher?.close()
      resolve()
    }
    const timer = setTimeout(done, pollMs)
    try {
      watcher = watch(path, { persistent: false }, done)
      watcher.on("error", done)
      // removed between the listing and the watch: no event would ever come
      statSync(path)
    } catch {
      done()
    }
  })

const ensureQueueDir = (dir: string): void => {
  try {
    mkdirSync(dir, { mode: 0o700 })
  } catch (error) {
    if (errnoCode(error) !== "EEXIST") throw error
  }
}

const ticketOrder = (a: Entry, b: Entry): number => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)

/** Where the queue of `lockPath` lives: a directory beside it. */
export const lockQueueDir = (lockPath: string): string => `${lockPath}.queue`

export const acquireLock = async (lockPath: string, options: LockOptions = {}): Promise<LockResult> => {
  const timeoutMs = options.timeoutMs ?? 600_000
  const staleMs = options.staleMs ?? 30_000
  const pollMs = Math.max(10, Math.min(250, Math.floor(staleMs / 4)))
  const dir = lockQueueDir(lockPath)
  const started = Date.now()

  const nonce = Math.random().toString(36).slice(2, 10)
  const choosing = join(dir, entryName("c", 0, nonce))
  let ticket: string
  let queuedAhead: number
  let waitFor: Array<Entry>
  try {
    createEmpty(choosing)
  } catch (error) {
    // the queue folder is made on first use only: one syscall less on every append after
    if (errnoCode(error) !== "ENOENT") throw error
    ensureQueueDir(dir)
    createEmpty(choosing)
  }
  try {
    const before = listEntries(dir)
    const highest = before.reduce((max, e) => (e.kind === "t" && e.seq > max ? e.seq : max), 0)
    ticket = join(dir, entryName("t", highest + 1, nonce))
    createEmpty(ticket)
  } finally {
    unlinkQuietly(choosing)
  }
  const myName = ticket.slice(dir.length + 1)
  const afterTicket = listEntries(dir)
  waitFor = afterTicket.filter((e) => e.kind === "c")
  queuedAhead = afterTicket.filter((e) => e.kind === "t" && e.name < myName).length
  let lastTouch = Date.now()

  const giveUp = (holder: Entry | undefined, ahead: number): LockResult => {
    unlinkQuietly(ticket)
    return {
      _tag: "TimedOut",
      waitedMs: Date.now() - started,
      holder: holder === undefined ? undefined : `${holder.pid}@${holder.host}`,
      queuedAhead: ahead
    }
  }

  for (;;) {
    const entries = listEntries(dir)
    const present = new Set(entries.map((e) => e.name))
    if (!present.has(myName)) {
      // only a waiter that took us for dead on another host removes our ticket: take it again
      createEmpty(ticket)
      continue
    }
    // first every waiter that was choosing when our ticket appeared, then every lower ticket
    waitFor = waitFor.filter((e) => present.has(e.name))
    const ahead = entries.filter((e) => e.kind === "t" && e.name < myName).sort(ticketOrder)
    const blocker = waitFor[0] ?? ahead.at(-1)
    if (blocker === undefined) {
      let released = false
      return {
        _tag: "Acquired",
        waitedMs: Date.now() - started,
        queuedAhead,
        release: () => {
          if (released) return
          released = true
          unlinkQuietly(ticket)
        }
      }
    }
    const blockerPath = join(dir, blocker.name)
    if (ownerIsGone(blocker, blockerPath, staleMs)) {
      unlinkQuietly(blockerPath)
      continue
    }
    if (Date.now() - started >= timeoutMs) return giveUp(ahead[0], ahead.length)
    if (Date.now() - lastTouch > staleMs / 3) {
      // proof of life for waiters on other hosts, which cannot check our pid
      lastTouch = Date.now()
      const now = new Date()
      try {
        utimesSync(ticket, now, now)
      } catch {
        // gone: recreated at the top of the loop
      }
    }
    await changeOrTimeout(blockerPath, pollMs)
  }
}
