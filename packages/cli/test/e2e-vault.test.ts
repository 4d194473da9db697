/**
 * The transcript vault end to end with the real CLI (2.1.332 and 1.0.30), offline: a run keeps
 * its transcript as it writes; Claude's cleanup (the files deleted) is survived by resume,
 * continue, fork and `vault restore`, byte for byte; the policy turns it off.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { type Show, useStandin, world } from "./helpers/e2e-world.js"

useStandin()

type Launched = { id: string; claudeSessionId: string }
type Shown = Show & { transcript: string; kept: Array<{ claudeSessionId: string; file: string; transcript: string }> }

/** What Claude's cleanup does: every transcript of the home removed. */
const cleanUp = (home: string): Array<string> => {
  const removed: Array<string> = []
  const projects = join(home, "projects")
  for (const folder of readdirSync(projects)) {
    for (const name of readdirSync(join(projects, folder))) {
      if (!name.endsWith(".jsonl")) continue
      removed.push(join(projects, folder, name))
      rmSync(join(projects, folder, name))
    }
  }
  return removed
}

describe("2.1.332 (real CLI): the vault", () => {
  it("a run is kept as it writes; after Claude's cleanup resume puts it back byte for byte and goes on", async () => {
    const w = world("2.1-latest")
    const proj = w.dir("proj")
    const run = await w.json<Launched>(["run", "--", "remember the word teal"], proj)
    const before = await w.json<Shown>(["show", run.id])
    expect(before.transcript).toBe("here")
    expect(before.kept).toEqual([
      { claudeSessionId: run.claudeSessionId, file: "transcript", bytes: expect.any(Number), transcript: "here" }
    ])
    const [path] = before.transcripts
    const original = readFileSync(path as string)

    expect(cleanUp(w.home)).toContain(path)
    const gone = await w.json<Shown>(["show", run.id])
    expect(gone.transcript).toBe(`deleted from ${w.home}, kept`)
    const listed = (await w.cli(["--json", "vault", "ls"])).stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l))
    expect(listed).toMatchObject([{ claudeSessionId: run.claudeSessionId, transcript: "deleted", stableId: run.id }])
    // ls --all still lists the chain, saying where it went
    const all = await w.json<Array<{ id: string; status: string; transcript?: string }>>(["ls", "--all"])
    expect(all).toEqual([
      expect.objectContaining({ id: run.id, status: "deleted", transcript: `deleted from ${w.home}, kept` })
    ])
    expect((await w.cli(["ls", "--all"])).stdout).toMatch(/deleted/)

    const resumed = await w.json<Launched>(["resume", run.id, "--", "which word?"], proj)
    expect(resumed).toMatchObject({ id: run.id, claudeSessionId: run.claudeSessionId })
    const after = readFileSync(path as string)
    // the restored bytes, then what the resume appended to them: the same conversation
    expect(after.subarray(0, original.length).equals(original)).toBe(true)
    expect(after.length).toBeGreaterThan(original.length)
    // and the vault took the new turns as they came
    const verified = await w.json<{ copies: number; damaged: number; bytes: number }>(["vault", "verify"])
    expect(verified).toMatchObject({ copies: 1, damaged: 0, bytes: after.length })
  })

  it("vault restore puts a chain back without running claude; one that is there is left alone", async () => {
    const w = world("2.1-latest")
    const proj = w.dir("proj")
    const run = await w.json<Launched>(["run", "--", "restore me"], proj)
    const [path] = (await w.json<Shown>(["show", run.id])).transcripts
    const original = readFileSync(path as string)
    const untouched = await w.json<{ restored: Array<unknown> }>(["vault", "restore", run.id])
    expect(untouched.restored).toEqual([])
    cleanUp(w.home)
    const restored = await w.json<{ restored: Array<{ outcome: string; path: string }> }>(["vault", "restore", run.id])
    expect(restored.restored).toEqual([
      { file: run.claudeSessionId, path, outcome: "restored", bytes: original.length }
    ])
    expect(readFileSync(path as string).equals(original)).toBe(true)
    expect(statSync(path as string).mode & 0o777).toBe(0o600)
  })

  it("continue and fork after the cleanup continue the kept conversation", async () => {
    const w = world("2.1-latest")
    const proj = w.dir("proj")
    const run = await w.json<Launched>(["run", "--", "the first one"], proj)
    cleanUp(w.home)
    const continued = await w.json<Launched>(["continue", "--", "and on"], proj)
    expect(continued).toMatchObject({ id: run.id, claudeSessionId: run.claudeSessionId })
    cleanUp(w.home)
    const fork = await w.json<Launched>(["fork", run.id, "--", "branch off"])
    expect(fork.claudeSessionId).not.toBe(run.claudeSessionId)
    expect((await w.json<Show>(["show", run.id])).forks).toEqual([
      { from: run.claudeSessionId, to: fork.claudeSessionId }
    ])
  })

  it('"vault": "none" keeps nothing, and then the cleanup is not survived', async () => {
    const w = world("2.1-latest")
    const proj = w.dir("proj")
    mkdirSync(w.store, { recursive: true })
    writeFileSync(join(w.store, "cc-sessions.config.json"), JSON.stringify({ vault: "none" }))
    const run = await w.json<Launched>(["run", "--", "not kept"], proj)
    const shown = await w.json<Shown>(["show", run.id])
    expect(shown.kept).toEqual([])
    expect((await w.cli(["--json", "vault", "ls"])).stdout).toBe("")
    expect(await w.json(["vault", "sync"])).toMatchObject({ vault: "off" })
    cleanUp(w.home)
    expect((await w.json<Shown>(["show", run.id])).transcript).toBe("not on this host")
  })

  it("vault sync keeps an adopted session (a run made without cc-session), prune drops it", async () => {
    const w = world("2.1-latest")
    const proj = w.dir("proj")
    // claude run directly: no stable id until adopted
    const { runProcess, claudeEnv, standinUrl } = await import("./helpers/e2e-world.js")
    const direct = await runProcess(w.bin, ["-p", "made by hand", "--output-format", "stream-json", "--verbose"], {
      cwd: proj,
      env: claudeEnv(standinUrl(), w.home)
    })
    expect(direct.code).toBe(0)
    expect(await w.json(["vault", "sync"])).toMatchObject({ files: 0, pushed: 0 })
    await w.json(["recover", "--adopt"])
    expect(await w.json(["vault", "sync"])).toMatchObject({ files: 1, pushed: 1 })
    expect(await w.json(["vault", "sync"])).toMatchObject({ files: 1, pushed: 0, unchanged: 1 })
    // the session goes on outside cc-session: the next ls --all takes the new turns to the vault
    const sessionId = JSON.parse(direct.stdout.split("\n")[0] as string).session_id as string
    await w.json(["ls", "--all"])
    const resumed = await runProcess(
      w.bin,
      ["-p", "more by hand", "--resume", sessionId, "--output-format", "stream-json", "--verbose"],
      {
        cwd: proj,
        env: claudeEnv(standinUrl(), w.home)
      }
    )
    expect(resumed.code).toBe(0)
    await w.json(["ls", "--all"])
    const [copy] = (await w.cli(["--json", "vault", "ls"])).stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l))
    const [transcript] = (await w.json<Show>(["show", sessionId])).transcripts
    expect(copy.bytes).toBe(readFileSync(transcript as string).length)
    expect(await w.json(["vault", "prune", "--older-than", "1d", "--dry-run"])).toMatchObject({ wouldRemove: 0 })
    expect(await w.json(["vault", "prune", "--older-than", "0m"])).toMatchObject({ removed: 1, onlyCopies: 0 })
    expect((await w.cli(["--json", "vault", "ls"])).stdout).toBe("")
  })
})

describe("1.0.30 (real CLI): the vault keeps a whole resume chain", () => {
  it("each resume's new file is kept; after the cleanup resume restores the chain", async () => {
    const w = world("1.0")
    const proj = w.dir("proj")
    const run = await w.json<Launched>(["run", "--", "legacy first"], proj)
    const second = await w.json<Launched>(["resume", run.id, "--", "legacy second"], proj)
    expect(second.claudeSessionId).not.toBe(run.claudeSessionId)
    const shown = await w.json<Shown>(["show", run.id])
    expect(shown.kept.map((k) => k.claudeSessionId).sort()).toEqual(
      [run.claudeSessionId, second.claudeSessionId].sort()
    )
    const originals = new Map(shown.transcripts.map((p) => [p, readFileSync(p)]))
    cleanUp(w.home)
    const restored = await w.json<{ restored: Array<{ path: string }> }>(["vault", "restore", run.id])
    expect(restored.restored).toHaveLength(2)
    for (const [p, bytes] of originals) expect(readFileSync(p).equals(bytes)).toBe(true)
    const third = await w.json<Launched>(["resume", run.id, "--", "legacy third"], proj)
    expect((await w.json<Show>(["show", run.id])).claudeSessionIds).toEqual([
      run.claudeSessionId,
      second.claudeSessionId,
      third.claudeSessionId
    ])
  })
})
