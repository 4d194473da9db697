/**
 * End to end with the real 2.1.x CLI (2.1.197 and 2.1.332), offline: every way to launch, resume, fork and continue.
 */
import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import {
  claudeEnv,
  cliPath,
  runProcess,
  type Show,
  standinUrl,
  useStandin,
  waitFinished,
  world
} from "./helpers/e2e-world.js"

useStandin()

describe.each([
  ["2.1.197", "2.1"],
  ["2.1.332", "2.1-latest"]
] as const)("%s (real CLI)", (_version, generation) => {
  it("detached run: the parent returns at once, then show finds the session", async () => {
    const w = world(generation)
    const proj = w.dir("proj")
    const started = Date.now()
    const launched = await w.json<{ id: string; claudeSessionId: string; pid: number; log: string }>(
      ["run", "--detached", "--", "detached hello"],
      proj
    )
    expect(Date.now() - started).toBeLessThan(15_000)
    expect(launched.id).toMatch(/^cc-session-/)
    const shown = await waitFinished(w, launched.id)
    expect(shown).toMatchObject({ status: "finished", cwd: proj, claudeSessionIds: [launched.claudeSessionId] })
    expect(shown.transcripts).toHaveLength(1)
    expect(existsSync(launched.log.replace(/\.log$/, ".session.json"))).toBe(true)
  })

  it("resume keeps the Claude id, also when started from another directory", async () => {
    const w = world(generation)
    const proj = w.dir("proj")
    const { id, claudeSessionId } = await w.json<{ id: string; claudeSessionId: string }>(["run", "--", "first"], proj)
    const elsewhere = w.dir("elsewhere")
    const resumed = await w.json<{ id: string; claudeSessionId: string }>(["resume", id, "--", "again"], elsewhere)
    expect(resumed).toMatchObject({ id, claudeSessionId })
    const shown = await w.json<Show>(["show", claudeSessionId.slice(0, 8)])
    expect(shown).toMatchObject({ id, claudeSessionIds: [claudeSessionId], status: "finished" })
  })

  it("fork makes a new stable id; the parent lists the fork", async () => {
    const w = world(generation)
    const proj = w.dir("proj")
    const parent = await w.json<{ id: string; claudeSessionId: string }>(["run", "--", "to fork"], proj)
    const fork = await w.json<{ id: string; claudeSessionId: string }>(["fork", parent.id, "--", "forked"])
    expect(fork.id).not.toBe(parent.id)
    expect(fork.claudeSessionId).not.toBe(parent.claudeSessionId)
    expect((await w.json<Show>(["show", parent.id])).forks).toEqual([
      { from: parent.claudeSessionId, to: fork.claudeSessionId }
    ])
    const shownFork = await w.json<Show & { forkedFrom: unknown }>(["show", fork.id])
    expect(shownFork.claudeSessionIds).toEqual([fork.claudeSessionId])
    // the fork names its parent, in show, resolve and ls
    const parentRef = { claudeSessionId: parent.claudeSessionId, stableId: parent.id }
    expect(shownFork.forkedFrom).toEqual(parentRef)
    expect((await w.json<{ forkedFrom: unknown }>(["resolve", fork.claudeSessionId])).forkedFrom).toEqual(parentRef)
    expect(
      (await w.json<Array<{ id: string; forkedFrom: unknown }>>(["ls"])).find((s) => s.id === fork.id)?.forkedFrom
    ).toEqual(parentRef)
    const all = await w.json<Array<{ id: string; forkedFrom: unknown; claudeSessionIds: Array<string> }>>([
      "ls",
      "--all"
    ])
    expect(all.find((r) => r.id === fork.id)?.forkedFrom).toEqual(parentRef)
    expect(all.find((r) => r.id === parent.id)?.forkedFrom).toBeNull()
    // found from the transcripts alone too: a fresh store knows nothing of the fork
    const fresh = await runProcess(
      process.execPath,
      [cliPath, "--store", join(w.dir("fresh-store"), "s"), "--json", "resolve", fork.claudeSessionId],
      { env: claudeEnv(standinUrl(), w.home) }
    )
    expect(JSON.parse(fresh.stdout).forkedFrom).toEqual({ claudeSessionId: parent.claudeSessionId, stableId: null })
  })

  it("continue resumes the most recent session of the directory", async () => {
    const w = world(generation)
    const proj = w.dir("proj")
    await w.json(["run", "--", "older"], proj)
    const newer = await w.json<{ id: string; claudeSessionId: string }>(["run", "--", "newer"], proj)
    const continued = await w.json<{ id: string; claudeSessionId: string }>(["continue", "--cwd", proj, "--", "go on"])
    expect(continued).toMatchObject({ id: newer.id, claudeSessionId: newer.claudeSessionId })
  })

  it("a token resolves with an empty store, from transcripts alone", async () => {
    const w = world(generation)
    const proj = w.dir("proj")
    const { id, claudeSessionId } = await w.json<{ id: string; claudeSessionId: string }>(
      ["run", "--", "tokenised"],
      proj
    )
    const { token } = await w.json<{ token: string }>(["token", id])
    const empty = join(w.dir("empty-store"), "s")
    const r = await w.cli(["--json", "--store", empty, "resolve", token])
    expect(r.code).toBe(0)
    expect(JSON.parse(r.stdout)).toMatchObject({ claudeSessionIds: [claudeSessionId], resolvedBy: "token" })
  })

  it("8 detached runs at once in one cwd: each resolves to its own Claude id", async () => {
    const w = world(generation)
    const proj = w.dir("proj")
    const launched = await Promise.all(
      Array.from({ length: 8 }, (_, i) => w.json<{ id: string }>(["run", "--detached", "--", `parallel ${i}`], proj))
    )
    const shown = await Promise.all(launched.map((l) => waitFinished(w, l.id)))
    const ids = shown.map((s) => s.latestClaudeSessionId)
    expect(new Set(ids).size).toBe(8)
    for (const s of shown) expect(s.claudeSessionIds).toHaveLength(1)
  })

  it("a removed session directory is a clear error, and --in DIR resumes it there", async () => {
    const w = world(generation)
    const wt = w.dir("repo--claude-worktrees-feature")
    const { id, claudeSessionId } = await w.json<{ id: string; claudeSessionId: string }>(
      ["run", "--", "in a worktree"],
      wt
    )
    rmSync(wt, { recursive: true, force: true })
    const failed = await w.cli(["resume", id, "--", "lost?"])
    expect(failed.code).toBe(1)
    expect(failed.stderr).toContain("no longer exists")
    const repo = w.dir("repo")
    const resumed = await w.json<{ id: string; claudeSessionId: string }>([
      "resume",
      id,
      "--in",
      repo,
      "--",
      "found again"
    ])
    expect(resumed).toMatchObject({ id, claudeSessionId })
  })

  it("a run whose result says is_error is a failure, whatever the exit code", async () => {
    const w = world(generation)
    const proj = w.dir("proj")
    // without the vault, a deleted transcript is gone for good, and claude says so
    mkdirSync(w.store, { recursive: true })
    writeFileSync(join(w.store, "cc-sessions.config.json"), JSON.stringify({ vault: "none" }))
    const { id } = await w.json<{ id: string; claudeSessionId: string }>(["run", "--", "soon gone"], proj)
    rmSync(join(w.home, "projects"), { recursive: true, force: true })
    const r = await w.cli(["--json", "resume", id, "--", "where is it"])
    expect(r.code).toBe(1)
    expect(JSON.parse(r.stderr.trim().split("\n").at(-1) as string).error.code).toBe("run_failed")
    expect((await w.json<Show>(["show", id])).status).toBe("failed")
  })
})
