import { execFile } from "node:child_process"
import { join } from "node:path"
import { promisify } from "node:util"
import { makeEvent, newStableId, type StableId, StoreIOError } from "@cc/events"
import fc from "fast-check"
import pg from "pg"
import { afterAll, describe, expect, it } from "vitest"
import { openPostgresEventLog, redactUrl } from "../src/index.js"

const run = promisify(execFile)
const url = process.env.CC_TEST_PG_URL as string
const admin = new pg.Pool({ connectionString: url, max: 2 })
afterAll(() => admin.end())
let n = 0
const fresh = () => `t_${process.pid}_${++n}`

describe("PostgreSQL store", () => {
  it("16 processes × 2,000 appends at once: every event exactly once, each session's order kept", async () => {
    const prefix = fresh()
    const workers = 16
    const each = 2000
    await (await openPostgresEventLog({ url, prefix })).close()
    const worker = join(import.meta.dirname, "helpers", "append-worker.mjs")
    await Promise.all(
      Array.from({ length: workers }, (_, w) =>
        run(process.execPath, [worker, url, prefix, String(w + 1), String(each)])
      )
    )
    const log = await openPostgresEventLog({ url, prefix })
    const { events, diagnostics } = await log.read()
    await log.close()
    expect(diagnostics).toEqual([])
    expect(events).toHaveLength(workers * each)
    expect(new Set(events.map((e) => e.event.id)).size).toBe(workers * each)
    const offsets = events.map((e) => e.offset)
    expect(offsets).toEqual([...offsets].sort((a, b) => a - b))
    for (let w = 1; w <= workers; w++) {
      const mine = events
        .filter((e) => e.event.id.startsWith(`w${w}-`))
        .map((e) => Number(e.event.id.split("-e")[1]?.split("-")[0]))
      expect(mine).toEqual(Array.from({ length: each }, (_, i) => i))
    }
  }, 600_000)

  it("tails live: another process's append arrives through NOTIFY, not the poll", async () => {
    const prefix = fresh()
    const reader = await openPostgresEventLog({ url, prefix })
    const abort = new AbortController()
    const seen: Array<string> = []
    const id = newStableId()
    const started = Date.now()
    const done = (async () => {
      // a poll once a minute: only a notification can bring the event in time
      for await (const item of reader.tail({ pollMs: 60_000, signal: abort.signal })) {
        if (item._tag === "Event") seen.push(item.stored.event.id)
        if (seen.length === 1) break
      }
    })()
    await new Promise((r) => setTimeout(r, 300))
    await run(process.execPath, [
      "--input-type=module",
      "-e",
      `const { makeEvent } = await import(${JSON.stringify(join(import.meta.dirname, "..", "node_modules", "@cc", "events", "dist", "index.js"))})
       const { openPostgresEventLog } = await import(${JSON.stringify(join(import.meta.dirname, "..", "dist", "index.js"))})
       const log = await openPostgresEventLog({ url: ${JSON.stringify(url)}, prefix: ${JSON.stringify(prefix)} })
       await log.append([makeEvent("session.labeled", ${JSON.stringify(id)}, { label: "live" }, { id: "live-event-1" })])
       await log.close()`
    ])
    await done
    abort.abort()
    await reader.close()
    expect(seen).toEqual(["live-event-1"])
    expect(Date.now() - started).toBeLessThan(30_000)
  })

  it("stores every string field verbatim, SQL metacharacters and all", async () => {
    const log = await openPostgresEventLog({ url, prefix: fresh() })
    try {
      await fc.assert(
        fc.asyncProperty(
          fc.string({ unit: "grapheme", maxLength: 60 }),
          fc.string({ maxLength: 40 }),
          async (label, cwd) => {
            const id = newStableId() as StableId
            const events = [
              makeEvent("session.opened", id, { cwd: `/w/${cwd}'; DROP TABLE x; --`, mode: "run" }),
              makeEvent("session.labeled", id, { label: `${label}\\'"$1%_;--` })
            ]
            const { from } = await log.append(events)
            const back = await log.read({ from })
            expect(back.events.map((e) => e.event)).toEqual(events)
          }
        ),
        { numRuns: 100 }
      )
    } finally {
      await log.close()
    }
  })

  it("a server that cannot be reached is a clear typed error, its URL without the password", async () => {
    const down = "postgres://someone:secret@127.0.0.1:1/nowhere"
    const error = await openPostgresEventLog({ url: down, attempts: 2 }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(StoreIOError)
    expect((error as StoreIOError).message).toContain("ECONNREFUSED")
    expect((error as StoreIOError).message).not.toContain("secret")
    expect(redactUrl(down)).toBe("postgres://someone:***@127.0.0.1:1/nowhere")
  })

  it("refuses a schema newer than it knows", async () => {
    const prefix = fresh()
    await (await openPostgresEventLog({ url, prefix })).close()
    await admin.query(`UPDATE ${prefix}_meta SET version = 99`)
    await expect(openPostgresEventLog({ url, prefix })).rejects.toThrow(/schema version 99/)
  })

  it("reads a line holding a newline (a row written around this package) row by row, in order", async () => {
    const prefix = fresh()
    const log = await openPostgresEventLog({ url, prefix })
    const session = newStableId()
    const label = (text: string) => makeEvent("session.labeled", session, { label: text })
    await log.append([label("a"), label("b")])
    // pretty-printed JSON: still an event, but its line has newlines in it
    const pretty = label("pretty")
    await admin.query(`INSERT INTO ${prefix}_events (id, session, type, at, line) VALUES ($1, $2, $3, $4, $5)`, [
      pretty.id,
      pretty.session,
      pretty.type,
      pretty.at,
      JSON.stringify(pretty, null, 2)
    ])
    await admin.query(
      `INSERT INTO ${prefix}_events (id, session, type, at, line) VALUES ('torn-0001', $1, 'x', 'x', $2)`,
      [session, '{"id":\n']
    )
    await log.append([label("c")])
    const read = await log.read()
    expect(read.events.map((s) => (s.event.payload as { label: string }).label)).toEqual(["a", "b", "pretty", "c"])
    expect(read.diagnostics).toEqual([{ _tag: "SkippedLine", offset: 4, length: 7, reason: "not valid JSON" }])
    const streamed = []
    for await (const item of log.tail({ pollMs: 10 })) {
      streamed.push(item._tag === "Event" ? item.stored.offset : `skipped ${item.diagnostic.offset}`)
      if (streamed.length === 5) break
    }
    expect(streamed).toEqual([1, 2, 3, "skipped 4", 5])
    await log.close()
  })

  it("16 openers of a new log at once: one makes each table, none fails", async () => {
    const prefix = fresh()
    const logs = await Promise.all(Array.from({ length: 16 }, () => openPostgresEventLog({ url, prefix, poolSize: 1 })))
    for (const log of logs) expect(log.effect.snapshots).toBeDefined()
    await Promise.all(logs.map((log) => log.close()))
    const triggers = await admin.query(
      `SELECT count(*)::int AS n FROM pg_trigger WHERE tgrelid = '${prefix}_events'::regclass AND NOT tgisinternal`
    )
    expect(triggers.rows[0].n).toBe(1)
  })

  it("an opener that waited while another made a table does not make it again", async () => {
    const prefix = fresh()
    await (await openPostgresEventLog({ url, prefix })).close()
    await admin.query(`DROP TABLE ${prefix}_claude_ids; DROP FUNCTION ${prefix}_claude_ids_fill CASCADE`)
    // another opener holds the creators' lock and is making the table right now
    const other = await admin.connect()
    try {
      await other.query("BEGIN")
      await other.query("SELECT pg_advisory_xact_lock(4107240612)")
      const opening = openPostgresEventLog({ url, prefix, attempts: 1 })
      await new Promise((r) => setTimeout(r, 500))
      await other.query(`CREATE TABLE ${prefix}_claude_ids (claude_id text, session text, position bigint)`)
      await other.query("COMMIT")
      const log = await opening
      await log.close()
    } finally {
      other.release()
    }
  })
})
