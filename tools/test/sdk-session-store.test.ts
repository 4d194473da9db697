/** The real Agent SDK 0.3.332's SessionStore on the file vault, offline. */
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { makeFileVault } from "@cc/vault"
import { afterAll, beforeAll, describe, it } from "vitest"
// @ts-expect-error plain JS tools
import { startStandin } from "../anthropic-standin.mjs"
import { sessionStoreRound } from "./sdk-session-store.js"

let standin: { url: string; close: () => Promise<void> }
let dir: string
beforeAll(async () => {
  standin = await startStandin()
  dir = mkdtempSync(join(tmpdir(), "cc-sdk-vault-"))
})
afterAll(async () => {
  await standin.close()
  rmSync(dir, { recursive: true, force: true })
})

describe("the SDK's SessionStore on the file vault (real SDK 0.3.332)", () => {
  it("query mirrors into it, a resume with an empty CLAUDE_CONFIG_DIR loads from it, import and listSessions work", () =>
    sessionStoreRound(standin.url, makeFileVault({ dir: join(dir, "vault") })))
})
