import {
  encodeFoldSnapshot,
  FOLD_VERSION,
  fold,
  foldEventLog,
  makeEvent,
  newStableId,
  type SessionEvent,
  StorePermissionError
} from "@cc/events"
import pg from "pg"
import { afterAll, describe, expect, it } from "vitest"
import { openPostgresEventLog } from "../src/index.js"

const url = process.env.CC_TEST_PG_URL as string
const admin = new pg.Pool({ connectionString: url, max: 2 })
afterAll(() => admin.end())
let n = 0
const fresh = () => `s_${process.pid}_${++n}`

/** `count` events over a few sessions, each with its own id. */
const events = (count: number, tag: string): Array<SessionEvent> => {
  const sessions = Array.from({ length: 5 }, () => newStableId())
  return Array.from({ length: count }, (_, i) =>
    i % 2 === 0
      ? makeEvent("session.labeled", sessions[i % 5] as (typeof sessions)[number], { label: `${tag}-${i}` })
      : makeEvent("run.started", sessions[i % 5] as (typeof sessions)[number], { runId: `${tag}-r${i}`, pid: i })
  )
}

describe("fold snapshots in PostgreSQL", () => {
  it("a reader keeps one after a long fold; the next reader (another handle) starts from it", async () => {
    const prefix = fresh()
    const first = await openPostgresEventLog({ url, prefix })
    const a = events(60, "a")
    await first.append(a)
    const folded = await foldEventLog(first, { snapshotAfter: 50 })
    expect(folded).toMatchObject({ resumedFrom: undefined, folded: 60, saved: true })
    const b = events(7, "b")
    await first.append(b)
    await first.close()

    const second = await openPostgresEventLog({ url, prefix })
    const again = await foldEventLog(second, { snapshotAfter: 50 })
    expect(again.resumedFrom).toBe(folded.nextOffset)
    expect(again.folded).toBe(7)
    expect(again.saved).toBe(false)
    expect(again.folder.state()).toEqual(fold([...a, ...b]))
    await second.close()
  })

  it("keeps the newest two per fold version, and ignores one of another fold version", async () => {
    const prefix = fresh()
    const log = await openPostgresEventLog({ url, prefix })
    for (let round = 0; round < 4; round++) {
      await log.append(events(3, `r${round}`))
      expect((await foldEventLog(log, { snapshotAfter: 0, minEventsPerSession: 0 })).saved).toBe(true)
    }
    const kept = await admin.query(`SELECT fold_version, next_offset FROM ${prefix}_snapshots ORDER BY next_offset`)
    expect(kept.rows.map((r) => Number(r.next_offset))).toEqual([10, 13])
    // a newer fold's snapshot (another machine, upgraded) is not this reader's to resume from
    await admin.query(`INSERT INTO ${prefix}_snapshots (fold_version, next_offset, body) VALUES ($1, 99, '{}')`, [
      FOLD_VERSION + 1
    ])
    expect((await foldEventLog(log, { snapshotAfter: 1_000 })).resumedFrom).toBe(13)
    await log.close()
  })

  it("ignores a snapshot that does not check out, and folds the log itself", async () => {
    const prefix = fresh()
    const log = await openPostgresEventLog({ url, prefix })
    const a = events(10, "a")
    await log.append(a)
    const good = await foldEventLog(log, { snapshotAfter: 0, minEventsPerSession: 0 })
    expect(good.saved).toBe(true)
    const all = await log.read()
    const insert = (offset: number, body: string) =>
      admin.query(`INSERT INTO ${prefix}_snapshots (fold_version, next_offset, body) VALUES ($1, $2, $3)`, [
        FOLD_VERSION,
        offset,
        body
      ])
    // a body that is not JSON, or not a fold state: the older good one is used
    await insert(all.nextOffset + 5, "{torn")
    expect((await foldEventLog(log, { snapshotAfter: 1_000 })).resumedFrom).toBe(good.nextOffset)
    await admin.query(`DELETE FROM ${prefix}_snapshots WHERE next_offset = $1`, [all.nextOffset + 5])
    const forged = JSON.parse(
      encodeFoldSnapshot({
        foldVersion: FOLD_VERSION,
        nextOffset: all.nextOffset + 1,
        events: 10,
        last: { offset: all.nextOffset - 1, id: a.at(-1)?.id as string },
        diagnostics: [],
        state: good.folder.state()
      })
    )
    // a session filed under another session's id
    const [key, record] = Object.entries(forged.state.sessions)[0] as [string, Record<string, unknown>]
    forged.state.sessions[key] = { ...record, id: newStableId() }
    await insert(all.nextOffset + 1, JSON.stringify(forged))
    const refused = await foldEventLog(log, { snapshotAfter: 1_000 })
    expect(refused.resumedFrom).toBe(good.nextOffset)
    expect(refused.folder.state()).toEqual(fold(a))

    // the table emptied and filled with other events: the snapshot names an event it no longer holds
    await admin.query(`DELETE FROM ${prefix}_snapshots WHERE next_offset = $1`, [all.nextOffset + 1])
    await admin.query(`TRUNCATE ${prefix}_events RESTART IDENTITY`)
    const other = events(10, "other")
    await log.append(other)
    const refolded = await foldEventLog(log, { snapshotAfter: 1_000 })
    expect(refolded.resumedFrom).toBeUndefined()
    expect(refolded.folder.state()).toEqual(fold(other))
    await log.close()
  })

  it("a role without CREATE opens a schema made before; without the right to keep snapshots it folds all the same", async () => {
    const prefix = fresh()
    const role = `${prefix}_reader`
    await (await openPostgresEventLog({ url, prefix })).close()
    await admin.query(`CREATE ROLE ${role} LOGIN PASSWORD 'pw'`)
    await admin.query(`GRANT USAGE ON SCHEMA public TO ${role}`)
    await admin.query(`REVOKE CREATE ON SCHEMA public FROM PUBLIC`)
    try {
      await admin.query(`GRANT SELECT, INSERT ON ${prefix}_events, ${prefix}_meta TO ${role}`)
      await admin.query(`GRANT USAGE ON SEQUENCE ${prefix}_events_position_seq TO ${role}`)
      await admin.query(`GRANT SELECT ON ${prefix}_snapshots TO ${role}`)
      const roleUrl = new URL(url)
      roleUrl.username = role
      roleUrl.password = "pw"
      const log = await openPostgresEventLog({ url: roleUrl.toString(), prefix, attempts: 1 })
      const a = events(5, "a")
      await log.append(a)
      const folded = await foldEventLog(log, { snapshotAfter: 0, minEventsPerSession: 0 })
      expect(folded.saved).toBe(false)
      expect(folded.saveError).toBeInstanceOf(StorePermissionError)
      expect(folded.folder.state()).toEqual(fold(a))
      await log.close()

      // a database made before snapshots existed, and a role that may not add their table
      await admin.query(`DROP TABLE ${prefix}_snapshots`)
      const older = await openPostgresEventLog({ url: roleUrl.toString(), prefix, attempts: 1 })
      expect(older.effect.snapshots).toBeUndefined()
      const plain = await foldEventLog(older, { snapshotAfter: 0, minEventsPerSession: 0 })
      expect(plain).toMatchObject({ saved: false, resumedFrom: undefined, folded: 5 })
      await older.close()
      // the owner's next open adds it
      const owner = await openPostgresEventLog({ url, prefix })
      expect(owner.effect.snapshots).toBeDefined()
      await owner.close()
    } finally {
      await admin.query(`GRANT CREATE ON SCHEMA public TO PUBLIC`)
      await admin.query(`DROP OWNED BY ${role}`)
      await admin.query(`DROP ROLE ${role}`)
    }
  })
})
