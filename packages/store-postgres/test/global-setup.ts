/** The tests' PostgreSQL: started in a temp folder before them, stopped and removed after. */
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { startTestServer } from "./helpers/embedded.js"

export default async function setup(): Promise<() => Promise<void>> {
  const dir = mkdtempSync(join(tmpdir(), "cc-pg-"))
  let started: Awaited<ReturnType<typeof startTestServer>>
  try {
    started = await startTestServer(dir, { flags: ["-c", "max_connections=200"] })
  } catch (error) {
    // a server that did not start leaves nothing behind either
    rmSync(dir, { recursive: true, force: true })
    throw error
  }
  process.env.CC_TEST_PG_URL = started.url
  return async () => {
    await started.server.stop()
    rmSync(dir, { recursive: true, force: true })
  }
}
