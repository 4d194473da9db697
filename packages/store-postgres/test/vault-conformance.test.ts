import { runVaultConformance } from "@cc/vault/conformance"
import { Effect } from "effect"
import pg from "pg"
import { afterAll } from "vitest"
import { makePostgresVault } from "../src/index.js"

const url = process.env.CC_TEST_PG_URL as string
const admin = new pg.Pool({ connectionString: url, max: 2 })
afterAll(() => admin.end())

let n = 0
// each run its own tables (a prefix), dropped after
runVaultConformance(
  "postgres",
  async () => {
    const prefix = `vault_${process.pid}_${++n}`
    const opened: Array<{ close: () => Promise<void> }> = []
    const open = async () => {
      const vault = await Effect.runPromise(makePostgresVault({ url, prefix }))
      opened.push(vault)
      return vault
    }
    return {
      vault: await open(),
      reopen: open,
      cleanup: async () => {
        for (const v of opened) await v.close()
        await admin.query(`DROP TABLE IF EXISTS ${prefix}_vault_copies, ${prefix}_vault_chunks, ${prefix}_vault_claims`)
      }
    }
  },
  { runs: 10 }
)
