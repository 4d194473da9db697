import {
  type ClaudeSessionId,
  encodeEventLine,
  makeEvent,
  newStableId,
  type SessionEvent,
  type StableId,
  selectSessions
} from "@cc/events"
import pg from "pg"
import { afterAll, describe, expect, it } from "vitest"
import { openPostgresEventLog } from "../src/index.js"

const url = process.env.CC_TEST_PG_URL as string
const admin = new pg.Pool({ connectionString: url, max: 2 })
afterAll(() => admin.end())
let n = 0
const fresh = () => `c_${process.pid}_${++n}`
const claudeId = (i: number) => `00000000-0000-4000-8000-${String(i).padStart(12, "0")}` as ClaudeSessionId

/** Sessions each naming Claude ids in the three ways an event can. */
const named = (): { events: Array<SessionEvent>; sessions: Array<StableId> } => {
  const sessions = [newStableId(), newStableId(), newStableId(), newStableId()]
  const [a, b, c, d] = sessions as [StableId, StableId, StableId, StableId]
  return {
    sessions,
    events: [
      makeEvent("claude.observed", a, {
        claudeSessionId: claudeId(1),
        source: "stream",
        evidence: "init",
        confidence: 1
      }),
      makeEvent("run.started", b, { runId: "r1", claudeSessionId: claudeId(2) }),
      makeEvent("chain.linked", c, { from: claudeId(3), to: claudeId(4), kind: "resume", source: "t", evidence: "x" }),
      makeEvent("session.labeled", d, { label: claudeId(1) })
    ]
  }
}

const insertRaw = (prefix: string, event: SessionEvent, line = encodeEventLine(event)) =>
  admin.query(`INSERT INTO ${prefix}_events (id, session, type, at, line) VALUES ($1, $2, $3, $4, $5)`, [
    event.id,
    event.session,
    event.type,
    event.at,
    line
  ])

const expectSameAsWholeRead = async (log: Awaited<ReturnType<typeof openPostgresEventLog>>, ids: Array<string>) => {
  const got = await log.readSessions({ mentioning: ids })
  const whole = selectSessions(await log.read(), { mentioning: ids })
  expect(got.events.map((s) => s.event.id)).toEqual(whole.events.map((s) => s.event.id))
  return got.events.map((s) => s.event.session)
}

describe("the Claude id index", () => {
  it("finds the sessions that name a Claude id by the index, written by this package or any other writer", async () => {
    const prefix = fresh()
    const log = await openPostgresEventLog({ url, prefix })
    const { events, sessions } = named()
    await log.append(events.slice(0, 2))
    // an older writer, or one around this package: the trigger fills the index all the same
    await insertRaw(prefix, events[2] as SessionEvent)
    await insertRaw(prefix, events[3] as SessionEvent)
    // a line that is not JSON names nothing, and does not stop the insert
    await insertRaw(prefix, { ...(events[0] as SessionEvent), id: "torn-00000001" as SessionEvent["id"] }, "{torn")
    expect(await expectSameAsWholeRead(log, [claudeId(1)])).toEqual([sessions[0]])
    expect(await expectSameAsWholeRead(log, [claudeId(2)])).toEqual([sessions[1]])
    expect(await expectSameAsWholeRead(log, [claudeId(4)])).toEqual([sessions[2]])
    expect(await expectSameAsWholeRead(log, [claudeId(3), claudeId(1)])).toEqual([sessions[0], sessions[2]])
    const plan = await admin.query(
      `EXPLAIN SELECT session FROM ${prefix}_claude_ids WHERE claude_id = ANY($1::text[]) AND position <= 10`,
      [[claudeId(1)]]
    )
    expect(plan.rows.length).toBeGreaterThan(0)
    await log.close()
  })

  it("is made on open from the rows a database held before it, in one go", async () => {
    const prefix = fresh()
    await (await openPostgresEventLog({ url, prefix })).close()
    // a database from before the index
    await admin.query(`DROP TABLE ${prefix}_claude_ids; DROP FUNCTION ${prefix}_claude_ids_fill CASCADE`)
    const { events, sessions } = named()
    for (const event of events) await insertRaw(prefix, event)
    await insertRaw(prefix, { ...(events[1] as SessionEvent), id: "torn-00000002" as SessionEvent["id"] }, "[1,")
    const log = await openPostgresEventLog({ url, prefix })
    const indexed = await admin.query(
      `SELECT claude_id, session FROM ${prefix}_claude_ids ORDER BY position, claude_id`
    )
    expect(indexed.rows).toEqual([
      { claude_id: claudeId(1), session: sessions[0] },
      { claude_id: claudeId(2), session: sessions[1] },
      { claude_id: claudeId(3), session: sessions[2] },
      { claude_id: claudeId(4), session: sessions[2] }
    ])
    expect(await expectSameAsWholeRead(log, [claudeId(2)])).toEqual([sessions[1]])
    await log.close()
  })

  it("a role that may not read it is answered by a scan of the stored lines, the same", async () => {
    const prefix = fresh()
    const role = `${prefix}_r`
    const log = await openPostgresEventLog({ url, prefix })
    const { events, sessions } = named()
    await log.append(events)
    await log.close()
    // lines that are not an object's JSON, of types that name Claude ids: they name none
    let k = 0
    for (const line of ["{torn", '"just a string"', "[1,2]", '{"payload":[1]}'])
      await insertRaw(prefix, { ...(events[0] as SessionEvent), id: `bad-line-0000${++k}` as SessionEvent["id"] }, line)
    await admin.query(`CREATE ROLE ${role} LOGIN PASSWORD 'pw'`)
    try {
      await admin.query(`GRANT USAGE ON SCHEMA public TO ${role}`)
      await admin.query(`GRANT SELECT ON ${prefix}_events, ${prefix}_meta, ${prefix}_snapshots TO ${role}`)
      const roleUrl = new URL(url)
      roleUrl.username = role
      roleUrl.password = "pw"
      const reader = await openPostgresEventLog({ url: roleUrl.toString(), prefix, attempts: 1 })
      expect(await expectSameAsWholeRead(reader, [claudeId(4)])).toEqual([sessions[2]])
      await reader.close()
    } finally {
      await admin.query(`DROP OWNED BY ${role}`)
      await admin.query(`DROP ROLE ${role}`)
    }
  })
})
