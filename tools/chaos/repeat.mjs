#!/usr/bin/env node
// Runs the chaos suite N times in a row and stops at the first failure: `pnpm test:chaos:repeat`
// (full scale, 5 runs) or `node tools/chaos/repeat.mjs 20 bounded`. After the last of N green full
// runs it writes RELIABILITY.md from that run's figures, saying how many runs it took.
import { spawnSync } from "node:child_process"
import { rmSync } from "node:fs"
import { resolve } from "node:path"

const root = resolve(import.meta.dirname, "..", "..")
const runs = Number(process.argv[2] ?? 5)
const scale = process.argv[3] ?? "full"
if (!Number.isInteger(runs) || runs < 1 || !["full", "bounded"].includes(scale)) {
  console.error("usage: repeat.mjs [RUNS] [full|bounded]")
  process.exit(2)
}
const vitest = resolve(root, "node_modules", "vitest", "vitest.mjs")
for (let i = 1; i <= runs; i++) {
  rmSync(resolve(root, ".chaos"), { recursive: true, force: true })
  const started = Date.now()
  const result = spawnSync(process.execPath, [vitest, "run", "--project", "chaos"], {
    cwd: root,
    stdio: ["ignore", "inherit", "inherit"],
    env: { ...process.env, CHAOS_SCALE: scale === "full" ? "full" : "bounded" }
  })
  const seconds = ((Date.now() - started) / 1000).toFixed(0)
  if (result.status !== 0) {
    console.error(`chaos run ${i} of ${runs} (${scale}) FAILED after ${seconds} s`)
    process.exit(1)
  }
  console.log(`chaos run ${i} of ${runs} (${scale}) green in ${seconds} s`)
}
if (scale === "full") {
  const report = spawnSync(process.execPath, [resolve(import.meta.dirname, "report.mjs")], {
    cwd: root,
    stdio: ["ignore", "ignore", "inherit"],
    env: { ...process.env, CHAOS_RUNS: String(runs) }
  })
  if (report.status !== 0) process.exit(1)
  console.log(`RELIABILITY.md written from run ${runs} of ${runs}`)
}
console.log(`${runs} of ${runs} chaos runs (${scale}) green in a row`)
