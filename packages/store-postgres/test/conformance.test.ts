import { runEventStoreConformance } from "@cc/events/conformance"
import { Effect } from "effect"
import pg from "pg"
import { afterAll } from "vitest"
import { makePostgresStore } from "../src/index.js"

const url = process.env.CC_TEST_PG_URL as string
const admin = new pg.Pool({ connectionString: url, max: 2 })
afterAll(() => admin.end())

let n = 0
// each run its own tables (a prefix), dropped after: runs never see each other's events
runEventStoreConformance(
  "postgres",
  async () => {
    const prefix = `conf_${process.pid}_${++n}`
    const open = () => Effect.runPromise(makePostgresStore({ url, prefix }))
    const opened: Array<{ close: () => Promise<void> }> = []
    const store = await open()
    opened.push(store)
    return {
      store,
      reopen: async () => {
        const again = await open()
        opened.push(again)
        return again
      },
      cleanup: async () => {
        for (const s of opened) await s.close()
        await admin.query(`DROP TABLE IF EXISTS ${prefix}_events, ${prefix}_meta`)
      }
    }
  },
  { idempotentById: true }
)
