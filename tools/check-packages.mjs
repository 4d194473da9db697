#!/usr/bin/env node
// Checks that every package is publishable as it stands: packs it, runs publint and
// @arethetypeswrong/cli on the tarball, then installs the tarball alone in an empty
// directory (with the tarballs of its workspace dependencies) and loads it through both
// ESM `import` and CJS `require`.
import { execFileSync } from "node:child_process"
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"

const root = resolve(import.meta.dirname, "..")
const packDir = join(root, ".ci", "pack")
rmSync(packDir, { recursive: true, force: true })
mkdirSync(packDir, { recursive: true })
const pnpm = process.env.npm_execpath?.includes("pnpm") ? process.env.npm_execpath : undefined
const sh = (cmd, args, cwd) => execFileSync(cmd, args, { cwd, stdio: ["ignore", "pipe", "pipe"], encoding: "utf8" })
const pnpmRun = (args, cwd) => (pnpm ? sh(pnpm, args, cwd) : sh("npx", ["--yes", "pnpm@12.21.0", ...args], cwd))

const packages = readdirSync(join(root, "packages"))
  .map((name) => join(root, "packages", name))
  .map((dir) => ({ dir, manifest: JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) }))
  .filter(({ manifest }) => manifest.private !== true)

const tarballs = new Map()
for (const { dir, manifest } of packages) {
  pnpmRun(["pack", "--pack-destination", packDir], dir)
  const file = readdirSync(packDir).find(
    (f) => f.startsWith(manifest.name.replace("@", "").replace("/", "-")) && f.endsWith(".tgz")
  )
  tarballs.set(manifest.name, join(packDir, file))
}

let failed = 0
const bin = (name) => join(root, "node_modules", ".bin", name)
for (const { manifest } of packages) {
  const tgz = tarballs.get(manifest.name)
  const step = (label, f) => {
    try {
      f()
      console.log(`ok   ${manifest.name}: ${label}`)
    } catch (error) {
      failed++
      console.log(
        `FAIL ${manifest.name}: ${label}\n${error.stdout ?? ""}${error.stderr ?? ""}${error.stdout ? "" : error.message}`
      )
    }
  }
  step("publint", () => sh(bin("publint"), [tgz, "--strict"], root))
  step("its files exist, and no file in the tarball is over 2 MB", () => {
    const dir = packages.find((p) => p.manifest.name === manifest.name)?.dir
    const missing = (manifest.files ?? []).filter((f) => !existsSync(join(dir, f)))
    if (missing.length > 0) throw new Error(`"files" names what is not there: ${missing.join(", ")}`)
    const big = sh("tar", ["-tzvf", tgz], root)
      .split("\n")
      .map((line) => line.trim().split(/\s+/))
      .filter((cols) => cols.length >= 6 && Number(cols[2]) > 2 * 1024 * 1024)
      .map((cols) => `${cols.at(-1)} (${cols[2]} bytes)`)
    if (big.length > 0) throw new Error(`files over 2 MB: ${big.join(", ")}`)
  })
  // node10 resolution predates `exports` and cannot see subpaths such as `/conformance`;
  // the node16 profile checks every resolution mode that reads the exports map.
  step("attw", () => sh(bin("attw"), [tgz, "--profile", "node16"], root))
  step("installs and loads alone (import and require)", () => {
    const dir = mkdtempSync(join(tmpdir(), "cc-pack-"))
    try {
      const deps = Object.keys(manifest.dependencies ?? {}).filter((d) => tarballs.has(d))
      const closure = new Set([manifest.name])
      const queue = [...deps]
      while (queue.length > 0) {
        const d = queue.shift()
        if (closure.has(d)) continue
        closure.add(d)
        const m = packages.find((p) => p.manifest.name === d)?.manifest
        queue.push(...Object.keys(m?.dependencies ?? {}).filter((x) => tarballs.has(x)))
      }
      writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "consumer", private: true }))
      sh(
        "npm",
        ["install", "--no-audit", "--no-fund", "--loglevel=error", ...[...closure].map((n) => tarballs.get(n))],
        dir
      )
      sh(
        process.execPath,
        [
          "--input-type=module",
          "-e",
          `const m = await import(${JSON.stringify(manifest.name)}); if (Object.keys(m).length === 0) process.exit(1)`
        ],
        dir
      )
      sh(
        process.execPath,
        ["-e", `const m = require(${JSON.stringify(manifest.name)}); if (Object.keys(m).length === 0) process.exit(1)`],
        dir
      )
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
}
console.log(failed === 0 ? "all packages publishable" : `${failed} package check(s) failed`)
process.exit(failed === 0 ? 0 : 1)
