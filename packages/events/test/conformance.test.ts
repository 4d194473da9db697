import { mkdtemp, rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect } from "effect"
import { runEventStoreConformance } from "../src/conformance.js"
import { makeFileStore, makeMemoryStore } from "../src/index.js"

runEventStoreConformance("memory", async () => ({ store: makeMemoryStore() }))

runEventStoreConformance("file", async () => {
  const dir = await mkdtemp(join(tmpdir(), "cc-events-conf-"))
  const open = () => Effect.runPromise(makeFileStore({ dir: join(dir, "store"), durable: false }))
  return {
    store: await open(),
    reopen: open,
    cleanup: () => rm(dir, { recursive: true, force: true })
  }
})
