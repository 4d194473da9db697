/** The CLI contract that does not need Claude: exit codes, JSON errors, usage. */
import { mkdirSync, mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { makeEvent, openEventLog, type StableId } from "@cc/events"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
// @ts-expect-error plain JS tools
import { runProcess } from "../../../tools/spawn.mjs"

const cliPath = resolve(import.meta.dirname, "../dist/cli.js")
let dir: string
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "cc-contract-"))
  // a Claude home with no sessions yet (a missing one is warned about)
  mkdirSync(join(dir, "claude"))
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const cli = (args: ReadonlyArray<string>): Promise<{ stdout: string; stderr: string; code: number }> =>
  runProcess(
    process.execPath,
    [cliPath, "--store", join(dir, "store"), "--claude-home", join(dir, "claude"), ...args],
    {
      env: { PATH: process.env.PATH ?? "", HOME: dir }
    }
  )

describe("cc-session contract", () => {
  it("--help prints the usage and exits 0", async () => {
    const r = await cli(["--help"])
    expect(r.code).toBe(0)
    expect(r.stdout).toContain("Usage: cc-session")
  })

  it("bad usage exits 2 with one sentence, or a JSON error with --json", async () => {
    const r = await cli(["frobnicate"])
    expect(r.code).toBe(2)
    expect(r.stderr.trim().split("\n")).toHaveLength(1)
    const j = await cli(["--json", "run"])
    expect(j.code).toBe(2)
    expect(JSON.parse(j.stderr)).toEqual({ error: { code: "usage", message: "run needs a prompt after --" } })
    expect((await cli(["show", "not a ref!"])).code).toBe(2)
  })

  it("not found exits 1, listing the layers searched", async () => {
    const r = await cli(["--json", "show", "99999999-9999-4999-8999-999999999999"])
    expect(r.code).toBe(1)
    expect(JSON.parse(r.stderr).error).toMatchObject({
      code: "not_found",
      searched: ["store", "transcripts", "history", "jobs"]
    })
  })

  it("ambiguous exits 3, and resolve prints the candidates", async () => {
    const log = await openEventLog({ dir: join(dir, "store") })
    const a = "cc-session-abcd0000-0000-4000-8000-000000000001" as StableId
    const b = "cc-session-abcd0000-0000-4000-8000-000000000002" as StableId
    await log.append([
      makeEvent("session.opened", a, { cwd: "/x", mode: "run" }),
      makeEvent("session.opened", b, { cwd: "/x", mode: "run" })
    ])
    const r = await cli(["--json", "resolve", "cc-session-abcd"])
    expect(r.code).toBe(3)
    expect(
      JSON.parse(r.stdout)
        .candidates.map((c: { stableId: string }) => c.stableId)
        .sort()
    ).toEqual([a, b])
    const ls = await cli(["--json", "ls"])
    expect(
      JSON.parse(ls.stdout)
        .map((s: { id: string }) => s.id)
        .sort()
    ).toEqual([a, b])
    const events = (await cli(["events"])).stdout.trim().split("\n")
    expect(events).toHaveLength(2)
  })

  it("an unwritable store exits 4 (I/O)", async () => {
    // a store path below a regular file cannot be created
    const r = await cli(["--json", "--store", join(cliPath, "store"), "ls"])
    expect(r.code).toBe(4)
    expect(JSON.parse(r.stderr).error.code).toBe("io")
    // where Node's own recursive mkdir would spin forever (procfs), a clear error instead
    const proc = await cli(["--json", "--store", "/proc/cc-sessions-no-such-store", "ls"])
    expect(proc.code).toBe(4)
  })
})
