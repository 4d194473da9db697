import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { type EventLog, makeEvent, newStableId, openEventLog } from "@cc/events"
import fc from "fast-check"
import { afterEach, beforeEach, describe, expect, it } from "vitest"
import { openPostgresEventLog, syncEventLogs, syncProgressFile } from "../src/index.js"

const url = process.env.CC_TEST_PG_URL as string
let dir: string
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "cc-pg-sync-"))
})
afterEach(() => rmSync(dir, { recursive: true, force: true }))
let n = 0

describe("sync between a machine's log and the shared one", () => {
  it("any interleaving of local appends and syncs on two machines converges, with no event twice", async () => {
    // a step: machine A or B appends k events, or syncs
    const stepArb = fc.array(
      fc.oneof(
        fc.record({ machine: fc.constantFrom(0, 1), append: fc.integer({ min: 1, max: 4 }) }),
        fc.record({ machine: fc.constantFrom(0, 1), sync: fc.constant(true) })
      ),
      { maxLength: 12 }
    )
    await fc.assert(
      fc.asyncProperty(stepArb, async (steps) => {
        const prefix = `sync_${process.pid}_${++n}`
        const remote = await openPostgresEventLog({ url, prefix })
        const machines = await Promise.all(
          [0, 1].map((m) => openEventLog({ dir: join(dir, `${prefix}-${m}`), durable: false }))
        )
        const sync = (m: number) =>
          syncEventLogs({
            local: machines[m] as EventLog,
            remote,
            progressFile: syncProgressFile(join(dir, `${prefix}-${m}`), remote.location)
          })
        try {
          for (const step of steps) {
            const m = step.machine
            if ("append" in step) {
              const id = newStableId()
              await machines[m]?.append(
                Array.from({ length: step.append }, (_, i) => makeEvent("session.labeled", id, { label: `m${m}-${i}` }))
              )
            } else await sync(m)
          }
          // settle: each syncs, then the first again (it may lack what the second pushed)
          await sync(0)
          await sync(1)
          await sync(0)
          const ids = async (log: { read: () => Promise<{ events: ReadonlyArray<{ event: { id: string } }> }> }) =>
            (await log.read()).events.map((s) => s.event.id)
          const [a, b, r] = [await ids(machines[0] as EventLog), await ids(machines[1] as EventLog), await ids(remote)]
          for (const list of [a, b, r]) expect(new Set(list).size).toBe(list.length)
          expect(new Set(a)).toEqual(new Set(r))
          expect(new Set(b)).toEqual(new Set(r))
          // and a sync now moves nothing
          expect(await sync(0)).toMatchObject({ pushed: 0, pulled: 0 })
        } finally {
          await remote.close()
        }
      }),
      { numRuns: 15 }
    )
  })
})
