import { execFile } from "node:child_process"
import { mkdirSync, readdirSync, utimesSync, writeFileSync } from "node:fs"
import { mkdtemp, rm } from "node:fs/promises"
import { hostname, tmpdir } from "node:os"
import { join } from "node:path"
import { promisify } from "node:util"
import { afterEach, beforeEach, describe, expect, it } from "vitest"
import { acquireLock, type LockResult, lockQueueDir } from "../src/index.js"

const run = promisify(execFile)
const hex = (text: string) => Buffer.from(text).toString("hex")
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

let dir: string
let lockPath: string
let queue: string
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "cc-events-lock-"))
  lockPath = join(dir, "events.jsonl.lock")
  queue = lockQueueDir(lockPath)
  mkdirSync(queue)
})
afterEach(async () => {
  await rm(dir, { recursive: true, force: true })
})

const acquired = (result: LockResult) => {
  if (result._tag !== "Acquired") throw new Error(`expected the lock, got ${JSON.stringify(result)}`)
  return result
}

describe("fair lock", () => {
  it("serves waiters in the order they arrived", async () => {
    const first = acquired(await acquireLock(lockPath))
    const served: Array<number> = []
    const waiters: Array<Promise<void>> = []
    for (let i = 0; i < 6; i++) {
      waiters.push(
        acquireLock(lockPath).then((result) => {
          served.push(i)
          acquired(result).release()
        })
      )
      // each takes its ticket before the next one arrives
      while (readdirSync(queue).length < i + 2) await sleep(1)
    }
    await sleep(50)
    expect(served).toEqual([])
    first.release()
    await Promise.all(waiters)
    expect(served).toEqual([0, 1, 2, 3, 4, 5])
    expect(readdirSync(queue)).toEqual([])
  })

  it("reports how long a waiter waited and how many were ahead of it", async () => {
    const first = acquired(await acquireLock(lockPath))
    const second = acquireLock(lockPath)
    await sleep(60)
    first.release()
    const result = acquired(await second)
    expect(result.queuedAhead).toBe(1)
    expect(result.waitedMs).toBeGreaterThanOrEqual(50)
    result.release()
  })

  it("never takes the lock from a live holder on this host, however long it holds it", async () => {
    const holder = acquired(await acquireLock(lockPath, { staleMs: 20 }))
    const waiter = await acquireLock(lockPath, { staleMs: 20, timeoutMs: 400 })
    expect(waiter).toMatchObject({ _tag: "TimedOut", holder: `${process.pid}@${hostname()}`, queuedAhead: 1 })
    // the waiter left the queue; the holder is still in it
    expect(readdirSync(queue)).toHaveLength(1)
    holder.release()
  })

  it("removes the ticket of a dead process, of a reused pid, and of a waiter that died choosing", async () => {
    // 2^22+1 is above Linux's pid_max default: certainly not running
    writeFileSync(join(queue, `t.000000000000001.4194305.1.a.${hex(hostname())}`), "")
    // our own pid, but a process that started at another time: the pid was reused
    writeFileSync(join(queue, `t.000000000000002.${process.pid}.7.b.${hex(hostname())}`), "")
    writeFileSync(join(queue, `c.000000000000000.4194305.1.c.${hex(hostname())}`), "")
    const result = acquired(await acquireLock(lockPath, { timeoutMs: 5000 }))
    expect(readdirSync(queue)).toHaveLength(1)
    result.release()
    expect(readdirSync(queue)).toEqual([])
  })

  it("waits for a fresh ticket of another host, and breaks one left untouched for staleMs", async () => {
    const remote = join(queue, `t.000000000000001.1.1.r.${hex("another-host")}`)
    writeFileSync(remote, "")
    const waiter = await acquireLock(lockPath, { staleMs: 60_000, timeoutMs: 300 })
    expect(waiter).toMatchObject({ _tag: "TimedOut", holder: "1@another-host" })
    const old = new Date(Date.now() - 120_000)
    utimesSync(remote, old, old)
    acquired(await acquireLock(lockPath, { staleMs: 60_000, timeoutMs: 5000 })).release()
    expect(readdirSync(queue)).toEqual([])
  })

  it("ignores files in the queue that are not entries", async () => {
    writeFileSync(join(queue, "README"), "")
    acquired(await acquireLock(lockPath, { timeoutMs: 2000 })).release()
    expect(readdirSync(queue)).toEqual(["README"])
  })

  it("gives every process the lock alone and in turn", async () => {
    const counter = join(dir, "counter")
    writeFileSync(counter, "0")
    // each worker increments a counter file 40 times under the lock, read-modify-write
    const worker = `
      const { acquireLock } = await import(${JSON.stringify(join(import.meta.dirname, "..", "dist", "index.js"))})
      const { readFileSync, writeFileSync } = await import("node:fs")
      for (let i = 0; i < 40; i++) {
        const lock = await acquireLock(${JSON.stringify(lockPath)})
        const n = Number(readFileSync(${JSON.stringify(counter)}, "utf8"))
        await new Promise((r) => setImmediate(r))
        writeFileSync(${JSON.stringify(counter)}, String(n + 1))
        lock.release()
      }`
    await Promise.all(Array.from({ length: 6 }, () => run(process.execPath, ["--input-type=module", "-e", worker])))
    expect(Number((await import("node:fs")).readFileSync(counter, "utf8"))).toBe(240)
    expect(readdirSync(queue)).toEqual([])
  })
})
