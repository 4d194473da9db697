import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { runVaultConformance } from "../src/conformance.js"
import { makeFileVault, makeMemoryVault } from "../src/index.js"

runVaultConformance("memory", async () => ({ vault: makeMemoryVault() }))

runVaultConformance("file", async () => {
  const dir = mkdtempSync(join(tmpdir(), "cc-vault-"))
  const open = () => makeFileVault({ dir: join(dir, "vault") })
  return {
    vault: open(),
    reopen: async () => open(),
    cleanup: async () => rmSync(dir, { recursive: true, force: true })
  }
})
