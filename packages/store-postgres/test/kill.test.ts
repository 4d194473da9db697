/** The server killed with SIGKILL mid-append and restarted: every acknowledged append is there, none doubled. */
import { spawn } from "node:child_process"
import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import { openPostgresEventLog } from "../src/index.js"
import { startTestServer } from "./helpers/embedded.js"

const dir = mkdtempSync(join(tmpdir(), "cc-pg-kill-"))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe("a PostgreSQL server killed mid-append", () => {
  it("keeps every acknowledged append once, after a restart", async () => {
    const { url, dataDir, again } = await startTestServer(dir, { persistent: true })
    const appender = spawn(process.execPath, [join(import.meta.dirname, "helpers", "ack-appender.mjs"), url], {
      stdio: ["ignore", "pipe", "pipe"]
    })
    let out = ""
    let errors = ""
    appender.stdout.on("data", (chunk: Buffer) => {
      out += chunk.toString()
    })
    appender.stderr.on("data", (chunk: Buffer) => {
      errors += chunk.toString()
    })
    const acknowledged = () => out.split("\n").filter(Boolean)
    try {
      while (acknowledged().length < 200) await new Promise((r) => setTimeout(r, 20))
      // the postmaster's pid is the first line of postmaster.pid
      const pid = Number(readFileSync(join(dataDir, "postmaster.pid"), "utf8").split("\n")[0])
      process.kill(pid, "SIGKILL")
      const killedAt = acknowledged().length
      await new Promise((r) => setTimeout(r, 500))
      const second = again()
      await second.start()
      try {
        // the appender retries through the restart, then goes on
        for (let i = 0; i < 3000 && acknowledged().length < killedAt + 200; i++)
          await new Promise((r) => setTimeout(r, 20))
        expect(acknowledged().length, `the appender said:\n${errors.slice(-1500)}`).toBeGreaterThanOrEqual(
          killedAt + 200
        )
        appender.kill("SIGKILL")
        await new Promise((r) => appender.once("exit", r))
        const acked = acknowledged()
        const log = await openPostgresEventLog({ url })
        const stored: Array<string> = (await log.read()).events.map((e) => e.event.id)
        await log.close()
        const storedSet = new Set(stored)
        expect(stored.length).toBe(storedSet.size)
        expect(acked.filter((id) => !storedSet.has(id))).toEqual([])
      } finally {
        await second.stop()
      }
    } finally {
      appender.kill("SIGKILL")
    }
  })
})
