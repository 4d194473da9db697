/**
 * SHA-256 of large chunks on hasher threads. A restore checks every byte it puts back, and on
 * the main thread the digests alone took as long as `cp` takes to copy the same bytes (SHA-256
 * is the fastest digest Node has here, and Node's WebCrypto digest runs on the calling thread
 * too). On two threads they keep pace with the disk.
 *
 * Only bytes in a SharedArrayBuffer go to a thread (nothing is copied); smaller or unshared
 * bytes are hashed where they are. The threads start on the first large digest, hold the
 * process open only while a digest is pending, and end when idle. A thread that fails or
 * exits hands its pending digests back to the calling thread: an answer is never lost, and is
 * always the digest of the caller's bytes.
 */
import { availableParallelism } from "node:os"
import type { Worker } from "node:worker_threads"
import { sha256Hex } from "./digest.js"

/** Below this a digest is taken where it is asked for: a trip to a thread costs more. */
export const OFF_THREAD_FROM_BYTES = 256 * 1024

/**
 * The hasher's whole program, evaluated (so the ESM and CJS builds need no file beside them).
 * Written to run as a script or a module: a thread takes its parent's flags, and a parent
 * started with `--input-type=module` would make it a module, without `require`.
 */
const HASHER_SOURCE = `
const { parentPort } = process.getBuiltinModule("node:worker_threads")
const { createHash } = process.getBuiltinModule("node:crypto")
parentPort.on("message", ({ job, buffer, offset, length }) => {
  parentPort.postMessage({ job, hex: createHash("sha256").update(new Uint8Array(buffer, offset, length)).digest("hex") })
})
`

interface Job {
  readonly bytes: Uint8Array
  readonly done: (hex: string) => void
}

interface Hasher {
  readonly worker: Worker
  readonly jobs: Map<number, Job>
}

export interface HasherPoolOptions {
  /** How many threads (default: two, or one on a one-core machine). */
  readonly threads?: number
  /** How long an idle pool keeps its threads (default 2 s). */
  readonly idleMs?: number
  /** The threads' program: for tests of a thread that fails. */
  readonly source?: string
}

export interface HasherPool {
  /** SHA-256 of the bytes, lowercase hex: on a thread when they are large and shared. */
  readonly sha256Hex: (bytes: Uint8Array) => Promise<string>
  /** How many threads are running now. */
  readonly running: () => number
  /** Ends the threads (a later digest starts them again); a digest still pending is answered. */
  readonly close: () => Promise<void>
}

export const makeHasherPool = (options: HasherPoolOptions = {}): HasherPool => {
  const threads = Math.max(1, options.threads ?? Math.min(2, availableParallelism()))
  const idleMs = options.idleMs ?? 2_000
  let hashers: Array<Hasher> = []
  let nextJob = 0
  let idle: NodeJS.Timeout | undefined
  // a thread that failed once will again: the rest of the process hashes where it asks
  let failed = false

  const pending = () => hashers.reduce((n, h) => n + h.jobs.size, 0)

  /** The digests a thread still owes, taken here from the same bytes: each asked for is answered. */
  const answerHere = (hasher: Hasher) => {
    const owed = [...hasher.jobs.values()]
    hasher.jobs.clear()
    for (const job of owed) job.done(sha256Hex(job.bytes))
  }

  /** A thread failed or exited unasked. */
  const retire = (hasher: Hasher) => {
    failed = true
    hashers = hashers.filter((h) => h !== hasher)
    void hasher.worker.terminate().catch(() => {})
    answerHere(hasher)
  }

  const start = (): Hasher => {
    const hasher: Hasher = {
      // loaded at the first thread, not with the package: most commands never hash a large chunk
      worker: new (process.getBuiltinModule("node:worker_threads").Worker)(options.source ?? HASHER_SOURCE, {
        eval: true,
        // none of the parent's flags: a loader it was started with (`--import`) is no hasher's
        execArgv: []
      }),
      jobs: new Map()
    }
    hasher.worker.on("message", (message: { job: number; hex: string }) => {
      const job = hasher.jobs.get(message.job)
      if (job === undefined) return
      hasher.jobs.delete(message.job)
      if (hasher.jobs.size === 0) hasher.worker.unref()
      job.done(message.hex)
      if (pending() === 0) scheduleIdle()
    })
    hasher.worker.on("error", () => retire(hasher))
    hasher.worker.on("exit", () => retire(hasher))
    hasher.worker.unref()
    return hasher
  }

  const scheduleIdle = () => {
    clearTimeout(idle)
    idle = setTimeout(() => {
      if (pending() === 0) void close()
    }, idleMs)
    idle.unref()
  }

  const close = async () => {
    clearTimeout(idle)
    const closing = hashers
    hashers = []
    for (const hasher of closing) {
      // ended on purpose: not a failure
      hasher.worker.removeAllListeners("exit")
      hasher.worker.removeAllListeners("error")
      answerHere(hasher)
    }
    await Promise.all(closing.map((h) => h.worker.terminate().catch(() => 0)))
  }

  const leastBusy = (): Hasher | undefined => {
    if (failed) return undefined
    if (hashers.length < threads) {
      try {
        hashers.push(start())
      } catch {
        // no threads here (a sandbox without them): every digest on the calling thread
        failed = true
        return undefined
      }
    }
    return hashers.reduce<Hasher | undefined>(
      (best, h) => (best === undefined || h.jobs.size < best.jobs.size ? h : best),
      undefined
    )
  }

  const digest = (bytes: Uint8Array): Promise<string> => {
    if (bytes.length < OFF_THREAD_FROM_BYTES || !(bytes.buffer instanceof SharedArrayBuffer))
      return Promise.resolve(sha256Hex(bytes))
    const hasher = leastBusy()
    if (hasher === undefined) return Promise.resolve(sha256Hex(bytes))
    clearTimeout(idle)
    return new Promise<string>((done) => {
      const job = nextJob++
      hasher.jobs.set(job, { bytes, done })
      hasher.worker.ref()
      hasher.worker.postMessage({ job, buffer: bytes.buffer, offset: bytes.byteOffset, length: bytes.length })
    })
  }

  return { sha256Hex: digest, running: () => hashers.length, close }
}

/** The process's hasher threads, shared by every restore and check. */
export const hashers: HasherPool = makeHasherPool()
