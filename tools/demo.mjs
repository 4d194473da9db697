#!/usr/bin/env node
// The main job as a demo, on an embedded default: the real Claude Code CLI from npm (2.1.x and
// 1.0.30), offline against the loopback Messages API stand-in, driven through `cc-session`, in
// temp dirs (never ~/.claude, never ~/.channelcoder).
import { mkdirSync, mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { claudeEnv, startStandin } from "./anthropic-standin.mjs"
import { claude1, claude2 } from "./claude-bins.mjs"
import { runProcess } from "./spawn.mjs"

const cli = resolve(import.meta.dirname, "..", "packages", "cli", "dist", "cli.js")
const base = mkdtempSync(join(tmpdir(), "cc-sessions-demo-"))
const home = join(base, "claude-home")
const store = join(base, "store")
const dir = (name) => {
  const p = join(base, name)
  mkdirSync(p, { recursive: true })
  return p
}
mkdirSync(home, { recursive: true })
const standin = await startStandin()
const started = Date.now()

const cc = async (args, { cwd = base, bin = claude2(), storeDir = store } = {}) => {
  const r = await runProcess(process.execPath, [cli, "--store", storeDir, "--claude-bin", bin, "--json", ...args], {
    cwd,
    env: claudeEnv(standin.url, home)
  })
  if (r.code !== 0) throw new Error(`cc-session ${args.join(" ")}: ${r.stderr.trim()}`)
  return JSON.parse(r.stdout)
}
const step = (title, value) => console.log(`\n▸ ${title}\n${JSON.stringify(value, null, 2)}`)
const until = async (id) => {
  for (;;) {
    const shown = await cc(["show", id])
    if (shown.status === "finished" || shown.status === "failed") return shown
    await new Promise((r) => setTimeout(r, 100))
  }
}

try {
  console.log(`demo in ${base} (Messages API stand-in at ${standin.url})`)
  const app = dir("app")
  const detached = await cc(["run", "--detached", "--", "demo: a detached run"], { cwd: app })
  step("cc-session run --detached (Claude Code 2.1.x): the parent returns at once with a stable id", detached)
  step("cc-session show, once the detached run is done", await until(detached.id))
  const resumed = await cc(["resume", detached.id, "--", "demo: resumed from another directory"], {
    cwd: dir("elsewhere")
  })
  step("cc-session resume from another directory: runs in the session's own cwd, 2.1 keeps the Claude id", resumed)
  const fork = await cc(["fork", detached.id, "--", "demo: a fork"])
  step("cc-session fork: a new stable id and a new Claude id; the parent lists the fork", {
    fork,
    parentForks: (await cc(["show", detached.id])).forks
  })

  const legacy = dir("legacy")
  const old = await cc(["run", "--", "demo: 1.0.30 first prompt"], { cwd: legacy, bin: claude1() })
  await cc(["resume", old.id, "--", "demo: 1.0.30 resume"], { bin: claude1() })
  step("Claude Code 1.0.30: every resume is a new Claude id, chained under one stable id", await cc(["show", old.id]))

  const { token } = await cc(["token", old.id])
  const emptyStore = join(dir("empty"), "store")
  step(
    `a continuation token, resolved with an empty store from the transcripts alone: ${token}`,
    await cc(["resolve", token], { storeDir: emptyStore })
  )
  step(
    "cc-session ls",
    (await cc(["ls"])).map((s) => ({ id: s.id, status: s.status, claudeSessionIds: s.claudeSessionIds, cwd: s.cwd }))
  )
  console.log(`\ndone in ${((Date.now() - started) / 1000).toFixed(1)} s`)
} finally {
  await standin.close()
  rmSync(base, { recursive: true, force: true })
}
