/** The real Agent SDK 0.3.332's SessionStore on the PostgreSQL vault, offline. */
import { Effect } from "effect"
import pg from "pg"
import { afterAll, beforeAll, describe, it } from "vitest"
// @ts-expect-error plain JS tools
import { startStandin } from "../../../tools/anthropic-standin.mjs"
import { sessionStoreRound } from "../../../tools/test/sdk-session-store.js"
import { makePostgresVault, type PostgresVault } from "../src/index.js"

const url = process.env.CC_TEST_PG_URL as string
const admin = new pg.Pool({ connectionString: url, max: 1 })
const prefix = `sdk_store_${process.pid}`
let standin: { url: string; close: () => Promise<void> }
let vault: PostgresVault
beforeAll(async () => {
  standin = await startStandin()
  vault = await Effect.runPromise(makePostgresVault({ url, prefix }))
})
afterAll(async () => {
  await standin.close()
  await vault.close()
  await admin.query(`DROP TABLE IF EXISTS ${prefix}_vault_copies, ${prefix}_vault_chunks, ${prefix}_vault_claims`)
  await admin.end()
})

describe("the SDK's SessionStore on the PostgreSQL vault (real SDK 0.3.332)", () => {
  it("query mirrors into it, a resume with an empty CLAUDE_CONFIG_DIR loads from it, import and listSessions work", () =>
    sessionStoreRound(standin.url, vault))
})
