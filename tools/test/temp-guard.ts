/**
 * Every test's temp folders go under one folder made for the run (TMPDIR, so `os.tmpdir()` in
 * every worker and child process points there), and the run fails if a test left anything in
 * it: tests clean up what they make.
 */
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"

export default function setup(): () => void {
  const outer = tmpdir()
  mkdirSync(outer, { recursive: true })
  const dir = mkdtempSync(join(outer, "cc-sessions-tests-"))
  // tests that drop to another user (a read-only store as nobody, PostgreSQL as postgres)
  // must be able to reach their own folders inside it
  chmodSync(dir, 0o755)
  process.env.TMPDIR = dir
  return () => {
    process.env.TMPDIR = outer
    const left = readdirSync(dir)
    rmSync(dir, { recursive: true, force: true })
    if (left.length > 0) throw new Error(`tests left ${left.length} temp folder(s) behind: ${left.join(", ")}`)
  }
}
