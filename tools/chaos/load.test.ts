import { execFile } from "node:child_process"
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { promisify } from "node:util"
import { fold, openEventLog } from "@cc/events"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
// @ts-expect-error plain JS tools
import { claudeEnv, startStandin } from "../anthropic-standin.mjs"
// @ts-expect-error plain JS tools
import { claude2 } from "../claude-bins.mjs"
import { record, scale } from "./helpers/scale.js"

const run = promisify(execFile)
const cli = resolve(import.meta.dirname, "../../packages/cli/dist/cli.js")
let dir: string
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "cc-chaos-load-"))
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe("load", () => {
  it("16 processes appending at once: every event exactly once, no interleaved bytes, fold consistent", async () => {
    const workers = 16
    const each = scale(500, 5000)
    const store = join(dir, "store")
    const started = Date.now()
    // no lock timeout: the default (10 minutes) is a guard against a hung holder, and a fair
    // queue must serve every one of these without coming near it
    const outputs = await Promise.all(
      Array.from({ length: workers }, (_, w) =>
        run(
          process.execPath,
          [join(import.meta.dirname, "helpers", "append-worker.mjs"), store, String(w + 1), String(each), "8"],
          { maxBuffer: 1 << 24 }
        )
      )
    )
    const perWriter = outputs.map((o) => (JSON.parse(o.stdout) as { latencies: Array<number> }).latencies)
    const seconds = (Date.now() - started) / 1000
    const log = await openEventLog({ dir: store })
    const { events, diagnostics } = await log.read()
    expect(diagnostics).toEqual([])
    expect(log.repairs()).toEqual([])
    // every line of the file is one whole event: no interleaved bytes
    const lines = readFileSync(join(store, "events.jsonl"), "utf8").split("\n").filter(Boolean)
    expect(lines).toHaveLength(workers * each)
    const ids = events.map((s) => s.event.id)
    expect(new Set(ids).size).toBe(workers * each)
    for (let w = 1; w <= workers; w++) {
      const mine = ids.filter((id) => id.startsWith(`w${w}-`)).map((id) => Number(id.split("-e")[1]?.split("-")[0]))
      expect(mine).toEqual(Array.from({ length: each }, (_, i) => i))
    }
    const state = fold(events.map((s) => s.event))
    expect(Object.keys(state.sessions)).toHaveLength(workers)
    const all = perWriter.flat().sort((a, b) => a - b)
    const quantile = (q: number) => all[Math.min(all.length - 1, Math.floor(q * all.length))] as number
    const means = perWriter.map((l) => l.reduce((a, b) => a + b, 0) / l.length)
    record("load-append", {
      appends: all.length,
      p50Ms: quantile(0.5),
      p99Ms: quantile(0.99),
      maxWaitMs: all.at(-1) as number,
      writerMeanMinMs: Math.min(...means),
      writerMeanMaxMs: Math.max(...means),
      writerMaxMinMs: Math.min(...perWriter.map((l) => Math.max(...l))),
      writerMaxMaxMs: Math.max(...perWriter.map((l) => Math.max(...l))),
      processes: workers,
      eventsEach: each,
      events: workers * each,
      lost: 0,
      duplicated: 0,
      interleaved: 0,
      seconds
    })
  })

  it("detached runs launched at once against the stand-in: each its own session and Claude id", async () => {
    const standin = await startStandin()
    const count = scale(16, 32)
    const home = join(dir, "home")
    const store = join(dir, "runs-store")
    const proj = join(dir, "proj")
    mkdirSync(home, { recursive: true })
    mkdirSync(proj, { recursive: true })
    const env = claudeEnv(standin.url, home)
    const cc = async (args: Array<string>) => {
      const r = await run(process.execPath, [cli, "--store", store, "--claude-bin", claude2(), "--json", ...args], {
        cwd: proj,
        env
      })
      return JSON.parse(r.stdout)
    }
    try {
      // every CLI and its supervisor start at once (2 × count processes) and each appends
      // several events: none may be refused for contention
      const launchStarted = Date.now()
      const launchMs: Array<number> = []
      const launched: Array<{ id: string }> = await Promise.all(
        Array.from({ length: count }, async (_, i) => {
          const r = await cc(["run", "--detached", "--", `load ${i}`])
          launchMs.push(Date.now() - launchStarted)
          return r
        })
      )
      const done = async (id: string) => {
        for (let i = 0; i < 600; i++) {
          const s = await cc(["show", id])
          if (s.status === "finished" || s.status === "failed") return s
          await new Promise((r) => setTimeout(r, 100))
        }
        throw new Error(`${id} never finished`)
      }
      const shown = await Promise.all(launched.map((l) => done(l.id)))
      expect(new Set(shown.map((s) => s.id)).size).toBe(count)
      expect(new Set(shown.map((s) => s.latestClaudeSessionId)).size).toBe(count)
      expect(shown.every((s) => s.status === "finished" && s.transcripts.length === 1)).toBe(true)
      record("load-detached", {
        runs: count,
        processes: count * 2,
        refused: 0,
        lastLaunchReturnedMs: Math.max(...launchMs),
        sessions: shown.length,
        distinctClaudeIds: new Set(shown.map((s) => s.latestClaudeSessionId)).size
      })
    } finally {
      await standin.close()
    }
  })
})
