/**
 * Resume on another machine through a shared vault, with the real CLI 2.1.332 offline: two
 * hosts (two Claude homes, two stores) and one PostgreSQL (`--events URL`: the event log and
 * the vault). A session run on A resumes on B in the same conversation; B's turns flow back;
 * A then catches up before it goes on; two writers at once are refused.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import pg from "pg"
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest"
// @ts-expect-error plain JS tools
import { claudeEnv, startStandin } from "../../../tools/anthropic-standin.mjs"
// @ts-expect-error plain JS tools
import { claudeLatest } from "../../../tools/claude-bins.mjs"
// @ts-expect-error plain JS tools
import { runProcess } from "../../../tools/spawn.mjs"

type Run = { stdout: string; stderr: string; code: number }
const cliPath = resolve(import.meta.dirname, "../../cli/dist/cli.js")
const base = process.env.CC_TEST_PG_URL as string
const admin = new pg.Pool({ connectionString: base, max: 1 })
afterAll(() => admin.end())

let dir: string
let url: string
let n = 0
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), "cc-pg-vault-"))
  const db = `vault_hosts_${process.pid}_${++n}`
  await admin.query(`CREATE DATABASE ${db}`)
  url = base.replace(/\/postgres$/, `/${db}`)
})
afterEach(() => rmSync(dir, { recursive: true, force: true }))

type Launched = { id: string; claudeSessionId: string }

describe("a shared vault: resume on another machine", () => {
  it("A's session resumes on B in the same conversation, B's turns flow back, A catches up; two writers at once are refused", async () => {
    const standin: { url: string; close: () => Promise<void> } = await startStandin()
    try {
      const proj = join(dir, "proj")
      mkdirSync(proj)
      const host = (name: string) => {
        const home = join(dir, name, "home")
        const store = join(dir, name, "store")
        mkdirSync(home, { recursive: true })
        const env = { ...claudeEnv(standin.url, home), CC_SESSIONS_HOST: name }
        const run = (args: ReadonlyArray<string>): Promise<Run> =>
          runProcess(
            process.execPath,
            [
              cliPath,
              "--store",
              store,
              "--claude-home",
              home,
              "--claude-bin",
              claudeLatest(),
              "--events",
              url,
              "--json",
              ...args
            ],
            { env, cwd: proj }
          )
        const json = async <T>(args: ReadonlyArray<string>): Promise<T> => {
          const r = await run(args)
          if (r.code !== 0) throw new Error(`${name}: cc-session ${args.join(" ")} exited ${r.code}: ${r.stderr}`)
          return JSON.parse(r.stdout) as T
        }
        const transcript = (claudeSessionId: string) =>
          join(home, "projects", proj.replace(/[^a-zA-Z0-9]/g, "-"), `${claudeSessionId}.jsonl`)
        return { home, run, json, transcript }
      }
      const a = host("host-a")
      const b = host("host-b")

      const run = await a.json<Launched>(["run", "--", "remember the word teal"])
      const onA = readFileSync(a.transcript(run.claudeSessionId))
      // B has no transcript of it: the vault has, and resume puts it where B's claude looks
      const resumed = await b.json<Launched>(["resume", run.id, "--", "which word?"])
      expect(resumed).toMatchObject({ id: run.id, claudeSessionId: run.claudeSessionId })
      const onB = readFileSync(b.transcript(run.claudeSessionId))
      expect(onB.subarray(0, onA.length).equals(onA)).toBe(true)
      expect(onB.length).toBeGreaterThan(onA.length)
      // B's new turns are in the shared vault
      const listed = (await b.run(["vault", "ls"])).stdout
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l))
      expect(listed).toMatchObject([{ claudeSessionId: run.claudeSessionId, bytes: onB.length, host: "host-b" }])
      // show names both hosts
      const shown = await a.json<{ host: string; hosts: Array<string> }>(["show", run.id])
      expect(shown).toMatchObject({ host: "host-a", hosts: ["host-a", "host-b"] })

      // A goes on: its copy lacks B's turns, which are brought in first
      await a.json<Launched>(["resume", run.id, "--", "and now?"])
      const again = readFileSync(a.transcript(run.claudeSessionId))
      expect(again.subarray(0, onB.length).equals(onB)).toBe(true)
      expect(again.length).toBeGreaterThan(onB.length)

      // a detached resume on A holds the transcript while it writes: B is told, and may fork
      const detached = await a.json<Launched>(["resume", run.id, "--detached", "--", "slowly"])
      const busy = await b.run(["resume", run.id, "--", "me too"])
      expect(busy.code).toBe(6)
      const error = JSON.parse(busy.stderr.trim().split("\n")[0] as string).error
      expect(error).toMatchObject({ code: "conflict", host: "host-a" })
      expect(error.message).toMatch(/fork/)
      const fork = await b.json<Launched>(["fork", run.id, "--", "my own way"])
      expect(fork.claudeSessionId).not.toBe(run.claudeSessionId)
      // once A's run is over, B may write again
      for (let i = 0; i < 300; i++) {
        const s = await a.json<{ status: string }>(["show", detached.id])
        if (s.status === "finished" || s.status === "failed") break
        await new Promise((r) => setTimeout(r, 100))
      }
      let last: Run | undefined
      for (let i = 0; i < 50; i++) {
        last = await b.run(["resume", run.id, "--", "my turn"])
        if (last.code !== 6) break
        await new Promise((r) => setTimeout(r, 200))
      }
      expect(last?.code).toBe(0)
      expect((await b.json<{ damaged: number }>(["vault", "verify"])).damaged).toBe(0)
    } finally {
      await standin.close()
    }
  })
})
