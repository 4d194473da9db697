// The transcript vault's costs: restoring a chain of 100 MB transcripts (in process, and as a
// whole `cc-session vault restore` process) against `cp` of the same bytes, and what keeping a
// run's transcript in the vault adds to the run's wall time (the real CLI against the loopback
// stand-in, the same prompt with the vault on and off, in turns).
import { spawnSync } from "node:child_process"
import { appendFileSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { runAsPromise } from "@cc/events"
import { makeFileVault, restoreTranscripts, transcriptKeyOf } from "@cc/vault"
import { claudeEnv, startStandin } from "../anthropic-standin.mjs"
import { claudeLatest } from "../claude-bins.mjs"
import { runProcess } from "../spawn.mjs"
import { cliBin, dropCaches, smoke } from "./processes.mjs"

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]

/**
 * A transcript of about `mb` MB: JSON lines of a conversation, each of its own length; one that
 * resumes another (1.0.x) starts with a summary naming that one's last message. Its last uuid.
 */
const writeTranscript = (path, sessionId, mb, resumes) => {
  const parts =
    resumes === undefined ? [] : [`${JSON.stringify({ type: "summary", summary: "resumed", leafUuid: resumes })}\n`]
  let size = 0
  let last
  for (let n = 0; size < mb * 2 ** 20; n++) {
    const line = `${JSON.stringify({ type: n % 2 === 0 ? "user" : "assistant", uuid: `${sessionId.slice(0, 24)}${String(n).padStart(12, "0")}`, sessionId, cwd: "/srv/bench", timestamp: new Date(1_700_000_000_000 + n * 1000).toISOString(), message: { content: "x".repeat(200 + ((n * 7919) % 4000)) } })}\n`
    parts.push(line)
    size += line.length
    last = `${sessionId.slice(0, 24)}${String(n).padStart(12, "0")}`
    if (parts.length >= 2000) {
      appendFileSync(path, parts.join(""))
      parts.length = 0
    }
  }
  appendFileSync(path, parts.join(""))
  return last
}

export const measureVault = async ({ scratch }) => {
  const base = join(scratch, "vault")
  rmSync(base, { recursive: true, force: true })
  const home = join(base, "home")
  const store = join(base, "store")
  const folder = join(home, "projects", "-srv-bench")
  mkdirSync(folder, { recursive: true })
  mkdirSync(store, { recursive: true, mode: 0o700 })
  // a 1.0.x-like chain of three transcripts, adopted, kept (vault sync), then deleted
  const ids = [
    "aaaaaaaa-0000-4000-8000-000000000001",
    "aaaaaaaa-0000-4000-8000-000000000002",
    "aaaaaaaa-0000-4000-8000-000000000003"
  ]
  const mb = smoke ? 4 : 100
  let leaf
  for (const id of ids) leaf = writeTranscript(join(folder, `${id}.jsonl`), id, mb, leaf)
  const bytes = ids.reduce((n, id) => n + statSync(join(folder, `${id}.jsonl`)).size, 0)
  const cc = (...args) => {
    const r = spawnSync(process.execPath, [cliBin, "--store", store, "--claude-home", home, "--json", ...args], {
      encoding: "utf8",
      maxBuffer: 1 << 26
    })
    if (r.status !== 0) throw new Error(`cc-session ${args.join(" ")}: ${r.stderr}`)
    return r.stdout
  }
  cc("recover", "--adopt")
  cc("vault", "sync", "--all")
  const copyDir = join(base, "cp")
  const moved = join(base, "moved")
  mkdirSync(moved, { recursive: true })
  for (const id of ids) spawnSync("mv", [join(folder, `${id}.jsonl`), join(moved, `${id}.jsonl`)])
  cc("index")
  const emptyFolder = () => {
    for (const name of readdirSync(folder)) rmSync(join(folder, name), { force: true })
  }
  const vault = makeFileVault({ dir: join(store, "vault") })
  let restored = 0
  const measured = {
    // the floor: cp of the same bytes into a fresh folder
    cpMs: {
      before: () => {
        rmSync(copyDir, { recursive: true, force: true })
        mkdirSync(copyDir)
      },
      run: () => {
        const r = spawnSync("cp", [...ids.map((id) => join(moved, `${id}.jsonl`)), copyDir])
        if (r.status !== 0) throw new Error(`cp: ${r.stderr}`)
      }
    },
    // what any whole process pays first, from a cold page cache too (cp is a small binary, node is not)
    bareNodeColdMs: {
      before: () => {},
      run: () => {
        const r = spawnSync(process.execPath, ["-e", "0"])
        if (r.status !== 0) throw new Error(`node: ${r.stderr}`)
      }
    },
    // a whole `cc-session vault restore` process: the chain resolved, restored, the index refreshed
    restoreMs: {
      before: emptyFolder,
      run: () => {
        cc("vault", "restore", ids[0])
        restored = readdirSync(folder).filter((n) => n.endsWith(".jsonl")).length
      }
    },
    // the restore itself, in this process, as resume and `vault restore` do it (the chain's
    // transcripts together): the vault's chunks read, every one checked, written
    restoreInProcessMs: {
      before: emptyFolder,
      run: async () => {
        const requests = ids.map((id) => ({ key: transcriptKeyOf(id), target: join(folder, `${id}.jsonl`) }))
        const outcomes = await runAsPromise(restoreTranscripts(vault, requests))
        const failed = outcomes.find((o) => o._tag === "Failure")
        if (failed !== undefined) throw failed.failure
      }
    }
  }
  // cold, as a restore after a cleanup is: the vault's files and the transcripts not in the page
  // cache. Each in turn, round after round, each round in another order: the disk's pace
  // drifts over minutes, and falls on each alike
  const names = Object.keys(measured)
  const times = Object.fromEntries(names.map((name) => [name, []]))
  for (let round = 0; round < (smoke ? 1 : 9); round++) {
    for (let k = 0; k < names.length; k++) {
      const name = names[(round + k) % names.length]
      measured[name].before()
      dropCaches()
      const t = performance.now()
      await measured[name].run()
      times[name].push(performance.now() - t)
    }
  }
  const { cpMs, bareNodeColdMs, restoreMs, restoreInProcessMs } = Object.fromEntries(
    names.map((name) => [name, median(times[name])])
  )

  // a run's wall time with the vault and without (the same prompt, in turns)
  const standin = await startStandin()
  const runs = { on: [], off: [] }
  try {
    const runHome = join(base, "run-home")
    const proj = join(base, "proj")
    mkdirSync(runHome, { recursive: true })
    mkdirSync(proj, { recursive: true })
    const runStore = (vault) => {
      const s = join(base, `run-store-${vault}`)
      mkdirSync(s, { recursive: true, mode: 0o700 })
      writeFileSync(join(s, "cc-sessions.config.json"), JSON.stringify({ vault: vault === "on" ? "stable" : "none" }))
      return s
    }
    const stores = { on: runStore("on"), off: runStore("off") }
    const env = { ...claudeEnv(standin.url, runHome) }
    for (let i = 0; i < (smoke ? 2 : 20); i++) {
      for (const vault of i % 2 === 0 ? ["on", "off"] : ["off", "on"]) {
        const t = performance.now()
        // not spawnSync: the stand-in answers from this process
        const r = await runProcess(
          process.execPath,
          [cliBin, "--store", stores[vault], "--claude-bin", claudeLatest(), "--json", "run", "--", `bench run ${i}`],
          { cwd: proj, env }
        )
        if (r.code !== 0) throw new Error(`run: ${r.stderr}`)
        runs[vault].push(performance.now() - t)
      }
    }
  } finally {
    await standin.close()
  }
  rmSync(base, { recursive: true, force: true })
  return {
    chain: { transcripts: ids.length, bytes, restored },
    cpMs,
    bareNodeColdMs,
    restoreMs,
    restoreInProcessMs,
    runOnMs: median(runs.on),
    runOffMs: median(runs.off)
  }
}
