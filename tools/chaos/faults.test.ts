import { execFile, spawn } from "node:child_process"
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  truncateSync,
  writeFileSync
} from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { promisify } from "node:util"
import { TranscriptCache } from "@cc/cache"
import { makeEvent, openEventLog } from "@cc/events"
import { openResolver, type Resolution, SessionNotFound } from "@cc/resolver"
import { hashPrompt, parseStreamLine, readSidecar, readTranscriptHead, sidecarPathFor } from "@cc/sources"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
// @ts-expect-error plain JS tools
import { claudeEnv, startStandin } from "../anthropic-standin.mjs"
// @ts-expect-error plain JS tools
import { claude1 } from "../claude-bins.mjs"
import { record, scale } from "./helpers/scale.js"

const run = promisify(execFile)
const cli = resolve(import.meta.dirname, "../../packages/cli/dist/cli.js")
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/**
 * Waits until every log is done being written: it holds a `result` line, or its size has not
 * changed for 5 s. A fixed wait is not enough on a loaded machine, where a claude can take
 * seconds to start: the check would read a log, and the resolver a moment later a longer one.
 */
const settled = async (logs: ReadonlyArray<string>, limitMs = 60_000): Promise<void> => {
  const sizeOf = (log: string) => (existsSync(log) ? statSync(log).size : -1)
  const last = logs.map(sizeOf)
  const stableSince = logs.map(() => Date.now())
  const deadline = Date.now() + limitMs
  while (Date.now() < deadline) {
    await sleep(250)
    let pending = 0
    for (const [i, log] of logs.entries()) {
      const size = sizeOf(log)
      if (size !== last[i]) {
        last[i] = size
        stableSince[i] = Date.now()
      }
      const done = size > 0 && readFileSync(log, "utf8").includes('"type":"result"')
      if (!done && Date.now() - (stableSince[i] as number) < 5000) pending++
    }
    if (pending === 0) return
  }
}
/** Every transcript under a Claude home, by the hash of its first prompt. */
const transcriptsByPrompt = async (home: string): Promise<Map<string, Array<{ sessionId: string; path: string }>>> => {
  const found = new Map<string, Array<{ sessionId: string; path: string }>>()
  const projects = join(home, "projects")
  if (!existsSync(projects)) return found
  for (const folder of readdirSync(projects)) {
    for (const file of readdirSync(join(projects, folder))) {
      if (!file.endsWith(".jsonl")) continue
      const path = join(projects, folder, file)
      const head = await readTranscriptHead(path)
      if (head.promptHash === undefined || head.sessionId === undefined) continue
      found.set(head.promptHash, [...(found.get(head.promptHash) ?? []), { sessionId: head.sessionId, path }])
    }
  }
  return found
}

let dir: string
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "cc-chaos-faults-"))
})
/** The process groups of the detached runs started here (each supervisor leads its own, claude in it). */
const groups = new Set<number>()
afterAll(() => {
  // a claude that outlived its killed supervisor would write into the folder after it is gone
  for (const pid of groups) {
    try {
      process.kill(-pid, "SIGKILL")
    } catch {
      // that group has ended
    }
  }
  chmodSync(dir, 0o700)
  rmSync(dir, { recursive: true, force: true })
})

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

describe("faults", () => {
  it("kill -9 of the detached supervisor at random points: no torn event, nothing observed lost, every session still found", async () => {
    const kills = scale(20, 100)
    const standin = await startStandin({ delayMs: 150 })
    const home = join(dir, "kill-home")
    const store = join(dir, "kill-store")
    const proj = join(dir, "kill-proj")
    mkdirSync(home, { recursive: true })
    mkdirSync(proj, { recursive: true })
    const env = claudeEnv(standin.url, home)
    let seed = 20261124
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2147483648
      return seed / 2147483648
    }
    const outcomes = {
      killed: 0,
      foundFromLog: 0,
      foundFromStore: 0,
      killedBeforeClaude: 0,
      foundFromTranscripts: 0,
      resolvedToAnother: 0,
      lostObservations: 0,
      tornRepaired: 0
    }
    try {
      const batch = 10
      for (let start = 0; start < kills; start += batch) {
        const launched = await Promise.all(
          Array.from({ length: Math.min(batch, kills - start) }, async (_, i) => {
            const r = await run(
              process.execPath,
              [
                cli,
                "--store",
                store,
                "--claude-bin",
                claude1(),
                "--json",
                "run",
                "--detached",
                "--",
                `kill ${start + i}`
              ],
              { cwd: proj, env }
            )
            const launch = JSON.parse(r.stdout) as { id: string; pid: number; log: string }
            groups.add(launch.pid)
            // a random point: before claude starts, before init, mid-stream, while writing the sidecar or appending
            await sleep(random() * 1500)
            try {
              process.kill(launch.pid, "SIGKILL")
              outcomes.killed++
            } catch {
              // already finished: the kill came too late, which is one of the points too
            }
            return launch
          })
        )
        // claude outlives its supervisor: let the runs that started finish writing (a log with
        // its result line, or one that has stopped growing: claude never started, or stopped)
        await settled(launched.map((l) => l.log))
        const opened = await openResolver({ storeDir: store, claudeHomes: [home], persistIndex: false })
        outcomes.tornRepaired += opened.log.repairs().length
        const { diagnostics } = await opened.log.read()
        expect(diagnostics).toEqual([])
        // every transcript claude wrote, by the hash of its first prompt ("kill N" is unique per run)
        const byPrompt = await transcriptsByPrompt(home)
        for (const [i, launch] of launched.entries()) {
          const prompt = `kill ${start + i}`
          expect(alive(launch.pid)).toBe(false)
          const logText = existsSync(launch.log) ? readFileSync(launch.log, "utf8") : ""
          const init = logText
            .split("\n")
            .map((line) => parseStreamLine(line))
            .find((p) => p._tag === "Init")
          const sidecar = await readSidecar(sidecarPathFor(launch.log))
          expect(sidecar._tag).not.toBe("Invalid") // written atomically: never torn
          const own = byPrompt.get(hashPrompt(prompt)) ?? []
          const resolution = await opened.resolver.resolve(launch.id).catch((error: unknown) => error)
          // a claude slow to start on a loaded machine may write its first line only now, after
          // the log was read above and before the resolver read it: what it names then is its own
          const logAfter = existsSync(launch.log) ? readFileSync(launch.log, "utf8") : ""
          const initAfter = logAfter
            .split("\n")
            .map((line) => parseStreamLine(line))
            .find((p) => p._tag === "Init")
          const explained = {
            prompt,
            claudeRan: own.length > 0 || init !== undefined,
            ownTranscripts: own.map((t) => t.sessionId),
            logInit: init?._tag === "Init" ? init.sessionId : null,
            logStart: logText.slice(0, 300),
            answer:
              resolution instanceof Error
                ? { error: (resolution as { _tag?: string })._tag, message: resolution.message }
                : {
                    ids: (resolution as Resolution).claudeSessionIds,
                    resolvedBy: (resolution as Resolution).resolvedBy,
                    transcripts: (resolution as Resolution).transcripts
                  }
          }
          const because = JSON.stringify(explained, null, 2)
          if (!(resolution instanceof Error)) {
            const ids = (resolution as Resolution).claudeSessionIds
            // an answer is only ever this session's own conversation: each id is its own
            // transcript's (same first prompt), or the id its own log named
            const namedByLog = (id: string) =>
              explained.logInit === id || (initAfter?._tag === "Init" && initAfter.sessionId === id)
            const foreign = ids.filter((id) => !own.some((t) => t.sessionId === id) && !namedByLog(id))
            if (foreign.length > 0) outcomes.resolvedToAnother++
            expect(foreign, because).toEqual([])
          }
          if (init?._tag === "Init") {
            expect(resolution, because).not.toBeInstanceOf(Error)
            const ids = (resolution as Resolution).claudeSessionIds
            if (!ids.includes(init.sessionId)) outcomes.lostObservations++
            expect(ids, because).toContain(init.sessionId)
            if ((resolution as Resolution).resolvedBy === "store") outcomes.foundFromStore++
            else outcomes.foundFromLog++
          } else if (own.length > 0) {
            // claude ran but its log names no id (it stopped before its init line, or wrote
            // it elsewhere): its own transcript is the answer, found by cwd, time and prompt
            expect(resolution, because).not.toBeInstanceOf(Error)
            outcomes.foundFromTranscripts++
          } else if (initAfter?._tag === "Init") {
            // claude, outliving its supervisor, wrote its init line between the two reads: the
            // resolver saw it, and its answer is that id (checked above to be the log's own)
            expect(resolution, because).not.toBeInstanceOf(Error)
            expect((resolution as Resolution).claudeSessionIds, because).toContain(initAfter.sessionId)
            outcomes.foundFromLog++
          } else {
            // killed before claude ever ran: nothing was observed, and the answer says so
            expect(resolution, because).toBeInstanceOf(SessionNotFound)
            outcomes.killedBeforeClaude++
          }
          if (sidecar._tag === "Ok" && sidecar.sidecar.claudeSessionId !== undefined) {
            expect(init?._tag === "Init" && init.sessionId, because).toBe(sidecar.sidecar.claudeSessionId)
          }
        }
      }
    } finally {
      await standin.close()
    }
    expect(outcomes.lostObservations).toBe(0)
    record("kill-supervisor", { faultsInjected: kills, ...outcomes })
  })

  it("kill -9 of an appender mid-write: the torn tail is repaired on open, every complete event kept", async () => {
    const rounds = scale(5, 20)
    let repaired = 0
    let kept = 0
    for (let round = 0; round < rounds; round++) {
      const store = join(dir, `torn-${round}`)
      const child = spawn(
        process.execPath,
        [join(import.meta.dirname, "helpers", "append-worker.mjs"), store, "1", "1000000", "64"],
        { stdio: "ignore" }
      )
      await sleep(300 + round * 37)
      child.kill("SIGKILL")
      await new Promise((r) => child.once("close", r))
      const log = await openEventLog({ dir: store })
      repaired += log.repairs().length
      const { events, diagnostics } = await log.read()
      expect(diagnostics).toEqual([])
      // a contiguous prefix: nothing before the kill is missing
      expect(events.map((s) => Number(s.event.id.split("-e")[1]?.split("-")[0]))).toEqual(events.map((_, i) => i))
      kept += events.length
      await log.append([
        makeEvent("session.labeled", "cc-session-00000000-0000-4000-8000-000000000001" as never, { label: "after" })
      ])
      expect((await log.read()).diagnostics).toEqual([])
    }
    record("kill-appender", { faultsInjected: rounds, tornTailsRepaired: repaired, eventsKept: kept, eventsLost: 0 })
  })

  it("a full disk (the kernel refusing a write) gives a typed error and leaves the log valid", async () => {
    const store = join(dir, "full")
    const limitKb = 64
    const { stdout } = await run("bash", [
      "-c",
      `ulimit -f ${limitKb} && exec "${process.execPath}" "${join(import.meta.dirname, "helpers", "fill-worker.mjs")}" "${store}"`
    ])
    const result = JSON.parse(stdout) as { appended: number; tag: string; code: string; message: string }
    expect(result.tag).toBe("StoreIOError")
    expect(result.code).toBe("EFBIG")
    const log = await openEventLog({ dir: store })
    const { events, diagnostics } = await log.read()
    expect(diagnostics).toEqual([])
    expect(log.repairs()).toEqual([])
    expect(events).toHaveLength(result.appended)
    expect(statSync(join(store, "events.jsonl")).size).toBeLessThanOrEqual(limitKb * 1024)
    record("full-disk", {
      faultsInjected: 1,
      error: `${result.tag} ${result.code}`,
      eventsKept: events.length,
      eventsLost: 0
    })
  })

  it("a read-only store answers reads and refuses appends with a typed error", async () => {
    const store = join(dir, "readonly")
    const log = await openEventLog({ dir: store })
    await log.append([
      makeEvent("session.labeled", "cc-session-00000000-0000-4000-8000-000000000001" as never, { label: "kept" })
    ])
    chmodSync(join(store, "events.jsonl"), 0o444)
    chmodSync(store, 0o555)
    chmodSync(dir, 0o755)
    const before = readFileSync(join(store, "events.jsonl"), "utf8")
    const { stdout } = await run(process.execPath, [join(import.meta.dirname, "helpers", "readonly-worker.mjs"), store])
    const out = JSON.parse(stdout) as { read?: number; append?: string; open?: string; message?: string }
    expect(out).toMatchObject({ read: 1, append: "StorePermissionError" })
    expect(readFileSync(join(store, "events.jsonl"), "utf8")).toBe(before)
    chmodSync(store, 0o700)
    chmodSync(dir, 0o700)
    record("read-only-store", { faultsInjected: 1, error: out.append ?? "", eventsKept: 1, eventsLost: 0 })
  })

  it("a transcript truncated or replaced under the index is detected and re-read", async () => {
    const root = join(dir, "claude")
    cpSync(resolve(import.meta.dirname, "../../fixtures/real-cli/claude-home"), root, { recursive: true })
    const cache = await TranscriptCache.open({ roots: [root], file: join(dir, "index.json") })
    await cache.refresh()
    const paths = cache.all().map((t) => t.path)
    truncateSync(paths[0] as string, 10)
    writeFileSync(`${paths[1]}.tmp`, readFileSync(paths[1] as string))
    renameSync(`${paths[1]}.tmp`, paths[1] as string)
    writeFileSync(paths[2] as string, readFileSync(paths[2] as string, "utf8").replace(/"/, "'"))
    const { stats } = await cache.refresh()
    expect(stats.reread).toBe(3)
    record("transcripts-under-index", { faultsInjected: 3, detected: stats.reread })
  })
})
