import { execFile } from "node:child_process"
import { appendFileSync, chmodSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs"
import { mkdtemp, rm } from "node:fs/promises"
import { hostname, tmpdir } from "node:os"
import { join } from "node:path"
import { promisify } from "node:util"
import { afterEach, beforeEach, describe, expect, it } from "vitest"
import {
  acquireLock,
  EVENTS_FILE,
  fold,
  foldEventLog,
  lockQueueDir,
  makeEvent,
  openEventLog,
  QUARANTINE_FILE,
  SNAPSHOT_FILE,
  type StableId,
  StoreLockTimeout,
  StorePermissionError
} from "../src/index.js"

const run = promisify(execFile)
const S = "cc-session-00000000-0000-4000-8000-000000000001" as StableId
const label = (n: number) => makeEvent("session.labeled", S, { label: `l${n}` })
const isRoot = process.getuid?.() === 0

let dir: string
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "cc-events-file-"))
})
afterEach(async () => {
  chmodSync(dir, 0o700)
  await rm(dir, { recursive: true, force: true })
})

describe("file store", () => {
  it("creates its directory 0700 and its log 0600", async () => {
    const storeDir = join(dir, "nested", "store")
    await openEventLog({ dir: storeDir })
    expect(statSync(storeDir).mode & 0o777).toBe(0o700)
    expect(statSync(join(storeDir, EVENTS_FILE)).mode & 0o777).toBe(0o600)
  })

  it("moves a torn last line aside on open and keeps every complete event", async () => {
    const log = await openEventLog({ dir })
    await log.append([label(1), label(2)])
    const path = join(dir, EVENTS_FILE)
    const good = readFileSync(path, "utf8")
    appendFileSync(path, '{"id":"torn-000000","v":1,"at":"2026-')
    const reopened = await openEventLog({ dir })
    expect(reopened.repairs()).toEqual([
      { _tag: "TornTailRepaired", offset: good.length, length: 37, quarantine: join(dir, QUARANTINE_FILE) }
    ])
    expect(readFileSync(path, "utf8")).toBe(good)
    const quarantined = JSON.parse(readFileSync(join(dir, QUARANTINE_FILE), "utf8"))
    expect(Buffer.from(quarantined.base64, "base64").toString()).toBe('{"id":"torn-000000","v":1,"at":"2026-')
    await reopened.append([label(3)])
    const read = await reopened.read()
    expect(read.events.map((s) => s.event.payload)).toEqual([{ label: "l1" }, { label: "l2" }, { label: "l3" }])
    expect(read.diagnostics).toEqual([])
  })

  it("reports a corrupt line mid-file and reads on past it", async () => {
    const log = await openEventLog({ dir })
    await log.append([label(1)])
    appendFileSync(join(dir, EVENTS_FILE), "garbage{\n")
    await log.append([label(2)])
    const read = await log.read()
    expect(read.events.map((s) => s.event.payload)).toEqual([{ label: "l1" }, { label: "l2" }])
    expect(read.diagnostics).toHaveLength(1)
    expect(read.diagnostics[0]).toMatchObject({ _tag: "SkippedLine", reason: "not valid JSON" })
  })

  it("does not treat a line still being written as an event", async () => {
    const log = await openEventLog({ dir })
    await log.append([label(1)])
    appendFileSync(join(dir, EVENTS_FILE), '{"id":"partial')
    const read = await log.read()
    expect(read.events).toHaveLength(1)
    expect(read.diagnostics).toEqual([])
    expect(read.nextOffset).toBe(readFileSync(join(dir, EVENTS_FILE), "utf8").indexOf('{"id":"partial'))
  })

  it.skipIf(isRoot)("gives a typed permission error for a read-only store and leaves the log valid", async () => {
    const log = await openEventLog({ dir })
    await log.append([label(1)])
    chmodSync(join(dir, EVENTS_FILE), 0o400)
    await expect(log.append([label(2)])).rejects.toBeInstanceOf(StorePermissionError)
    expect((await log.read()).events).toHaveLength(1)
  })

  it("gives a typed error when the store directory cannot be created", async () => {
    writeFileSync(join(dir, "file"), "")
    await expect(openEventLog({ dir: join(dir, "file", "store") })).rejects.toMatchObject({ _tag: "StoreIOError" })
  })

  it("waits for a live holder, then times out naming it; removes a dead one's ticket", async () => {
    const log = await openEventLog({ dir, lock: { timeoutMs: 300 } })
    const lockPath = join(dir, `${EVENTS_FILE}.lock`)
    const queue = lockQueueDir(lockPath)
    // pid 2^22+1 is above Linux's pid_max default: certainly not running
    const hostHex = Buffer.from(hostname()).toString("hex")
    writeFileSync(join(queue, `t.000000000000001.4194305.1.dead.${hostHex}`), "")
    await log.append([label(1)])
    expect(readdirSync(queue)).toEqual([])
    const held = await acquireLock(lockPath)
    expect(held._tag).toBe("Acquired")
    const timedOut = await log.append([label(2)]).catch((error: unknown) => error)
    expect(timedOut).toBeInstanceOf(StoreLockTimeout)
    expect((timedOut as StoreLockTimeout).holder).toBe(`${process.pid}@${hostname()}`)
    expect((timedOut as StoreLockTimeout).message).toMatch(/by pid \d+@.+, 1 appends still queued ahead/)
    if (held._tag === "Acquired") held.release()
    await log.append([label(3)])
    expect((await log.read()).events).toHaveLength(2)
    expect(readdirSync(queue)).toEqual([])
  })

  it("loses and interleaves nothing when several processes append at once", async () => {
    const workers = 6
    const count = 300
    const worker = join(import.meta.dirname, "helpers", "append-worker.mjs")
    await Promise.all(
      Array.from({ length: workers }, (_, w) => run(process.execPath, [worker, dir, String(w + 1), String(count), "7"]))
    )
    const log = await openEventLog({ dir })
    const read = await log.read()
    expect(read.diagnostics).toEqual([])
    expect(read.events).toHaveLength(workers * count)
    const ids = new Set(read.events.map((s) => s.event.id))
    expect(ids.size).toBe(workers * count)
    // each worker's events appear in its own order
    for (let w = 1; w <= workers; w++) {
      const mine = read.events
        .filter((s) => s.event.id.startsWith(`w${w}-`))
        .map((s) => Number(s.event.id.split("-e")[1]?.split("-")[0]))
      expect(mine).toEqual(Array.from({ length: count }, (_, i) => i))
    }
    expect(Object.keys(fold(read.events.map((s) => s.event)).sessions)).toHaveLength(workers)
  })
})

describe("file store fold snapshots", () => {
  const keep = { snapshotAfter: 0, minEventsPerSession: 0 }
  const labels = Array.from({ length: 8 }, (_, i) => label(i))
  const fill = async (from: number, to: number) => {
    const log = await openEventLog({ dir })
    await log.append(labels.slice(from, to))
    return log
  }

  it("keeps one beside the log (0600); the next reader resumes from it and skipped lines are still reported", async () => {
    const log = await fill(0, 5)
    appendFileSync(join(dir, EVENTS_FILE), "not json\n")
    const first = await foldEventLog(log, keep)
    expect(first).toMatchObject({ saved: true, resumedFrom: undefined, folded: 5 })
    expect(statSync(join(dir, SNAPSHOT_FILE)).mode & 0o777).toBe(0o600)
    await log.append([labels[5] as (typeof labels)[number]])
    const next = await foldEventLog(await openEventLog({ dir }), { snapshotAfter: 100 })
    expect(next.resumedFrom).toBe(first.nextOffset)
    expect(next.folded).toBe(1)
    expect(next.diagnostics.map((d) => d._tag)).toEqual(["SkippedLine"])
    expect(next.folder.state()).toEqual(fold(labels.slice(0, 6)))
  })

  it("does not keep one for a log of few events per session (replaying it is cheaper)", async () => {
    const folded = await foldEventLog(await fill(0, 5), { snapshotAfter: 0 })
    expect(folded.saved).toBe(false)
    expect(readdirSync(dir)).not.toContain(SNAPSHOT_FILE)
  })

  it("ignores one that does not check out: torn, of a log cut back, of another log", async () => {
    const log = await fill(0, 6)
    const kept = await foldEventLog(log, keep)
    const path = join(dir, EVENTS_FILE)
    const snapshotPath = join(dir, SNAPSHOT_FILE)
    const good = readFileSync(snapshotPath, "utf8")
    const original = readFileSync(path, "utf8")
    const expectReplay = async (expected: ReturnType<typeof fold>) => {
      const folded = await foldEventLog(await openEventLog({ dir }), { snapshotAfter: 100 })
      expect(folded.resumedFrom).toBeUndefined()
      expect(folded.folder.state()).toEqual(expected)
    }
    writeFileSync(snapshotPath, good.slice(0, good.length / 2))
    await expectReplay(fold(labels.slice(0, 6)))
    writeFileSync(snapshotPath, good)
    // cut back to fewer events than the snapshot covers
    const lines = original.split("\n")
    writeFileSync(path, `${lines.slice(0, 3).join("\n")}\n`)
    await expectReplay(fold(labels.slice(0, 3)))
    // another log, as long or longer: its line at the snapshot's last offset is another event
    const other = Array.from({ length: 6 }, (_, i) => makeEvent("session.labeled", S, { label: `m${i}` }))
    writeFileSync(path, "")
    await (await openEventLog({ dir })).append(other)
    expect(statSync(path).size).toBeGreaterThanOrEqual(kept.nextOffset)
    await expectReplay(fold(other))
  })

  it.skipIf(isRoot)("a read-only store uses the snapshot it finds and keeps none", async () => {
    const log = await fill(0, 6)
    await foldEventLog(log, keep)
    await log.append([labels[6] as (typeof labels)[number]])
    chmodSync(join(dir, EVENTS_FILE), 0o400)
    chmodSync(dir, 0o500)
    const folded = await foldEventLog(await openEventLog({ dir }), keep)
    expect(folded.resumedFrom).toBeDefined()
    expect(folded.saved).toBe(false)
    expect(folded.saveError).toBeInstanceOf(StorePermissionError)
  })
})

describe("store errors", () => {
  it("maps permission and read-only failures to StorePermissionError, others to StoreIOError", async () => {
    const { storeErrorFromCause } = await import("../src/index.js")
    for (const code of ["EACCES", "EPERM", "EROFS"]) {
      const error = storeErrorFromCause(Object.assign(new Error("denied"), { code }), "/s/events.jsonl", "append to")
      expect(error).toBeInstanceOf(StorePermissionError)
      expect(error.message).toBe(`no permission to append to /s/events.jsonl (${code})`)
    }
    const full = storeErrorFromCause(
      Object.assign(new Error("no space left on device"), { code: "ENOSPC" }),
      "/s/e",
      "append to"
    )
    expect(full).toMatchObject({ _tag: "StoreIOError", code: "ENOSPC" })
  })
})
