/**
 * End to end with the real 1.0.30 CLI (a new id per resume), and a session from a container resumed on the host (--map).
 */
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { type Show, useStandin, waitFinished, world } from "./helpers/e2e-world.js"

useStandin()

describe("1.0.30 (real CLI)", () => {
  it("each resume gets a new Claude id, chained in order, also resumed from another directory", async () => {
    const w = world("1.0")
    const proj = w.dir("legacy")
    const first = await w.json<{ id: string; claudeSessionId: string }>(["run", "--", "old first"], proj)
    const second = await w.json<{ id: string; claudeSessionId: string }>(
      ["resume", first.id, "--", "old second"],
      w.dir("elsewhere")
    )
    const third = await w.json<{ id: string; claudeSessionId: string }>([
      "resume",
      first.claudeSessionId,
      "--",
      "old third"
    ])
    expect(new Set([first.claudeSessionId, second.claudeSessionId, third.claudeSessionId]).size).toBe(3)
    expect(second.id).toBe(first.id)
    expect(third.id).toBe(first.id)
    const shown = await w.json<Show>(["show", first.id])
    expect(shown.claudeSessionIds).toEqual([first.claudeSessionId, second.claudeSessionId, third.claudeSessionId])
    expect(shown.transcripts).toHaveLength(3)
  })

  it("detached runs without --session-id are discovered from their stream: 8 at once, each its own id", async () => {
    const w = world("1.0")
    const proj = w.dir("legacy")
    // Claude 1.0.30 rewrites its own ~/.claude.json at start without a lock: started side by side
    // it can read it half-written and stop with "Configuration Error" before its first line.
    // One run first creates that file, as on any machine that has used Claude before.
    const warmUp = await w.json<{ id: string }>(["run", "--detached", "--", "old warm-up"], proj)
    expect((await waitFinished(w, warmUp.id)).claudeSessionIds).toHaveLength(1)
    const launched = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        w.json<{ id: string; claudeSessionId?: string; log: string }>(
          ["run", "--detached", "--", `old parallel ${i}`],
          proj
        )
      )
    )
    for (const l of launched) expect(l.claudeSessionId).toBeUndefined()
    const shown = await Promise.all(launched.map((l) => waitFinished(w, l.id)))
    const seen = shown.map((s, i) => ({
      id: s.id,
      status: s.status,
      claude: s.claudeSessionIds,
      log: s.claudeSessionIds.length > 0 ? "" : readFileSync(launched[i]?.log ?? "", "utf8").slice(0, 600)
    }))
    const report = JSON.stringify(seen, null, 1)
    // each run has its own id from its own stream; one that Claude itself stopped before its
    // first line is reported failed, with Claude's words in its log, and is given nobody's id
    for (const s of seen) {
      if (s.claude.length === 1) expect(s.status, report).toBe("finished")
      else
        expect([s.status, s.claude.length, s.log.includes("Configuration Error")], report).toEqual(["failed", 0, true])
    }
    const ids = seen.flatMap((s) => s.claude)
    expect(new Set(ids).size, report).toBe(ids.length)
    expect(ids.length, report).toBeGreaterThanOrEqual(6)
  })

  it("a fresh store recovers the whole chain from the transcripts", async () => {
    const w = world("1.0")
    const proj = w.dir("legacy")
    const first = await w.json<{ id: string; claudeSessionId: string }>(["run", "--", "chain a"], proj)
    const second = await w.json<{ claudeSessionId: string }>(["resume", first.id, "--", "chain b"])
    const other = join(w.dir("other-store"), "s")
    const r = await w.cli(["--json", "--store", other, "recover", "--adopt"])
    expect(r.code).toBe(0)
    const recovered = JSON.parse(r.stdout) as Array<{ id: string; claudeSessionIds: Array<string> }>
    expect(recovered).toHaveLength(1)
    expect(recovered[0]?.claudeSessionIds).toEqual([first.claudeSessionId, second.claudeSessionId])
  })
})

describe("a session from a container, resumed on the host (--map)", () => {
  it("is listed under the host path and resumed there, continuing the same conversation (2.1.332)", async () => {
    const w = world("2.1-latest")
    const container = w.dir("workspace")
    const host = w.dir("checkout")
    const { claudeSessionId } = await w.json<{ claudeSessionId: string }>(
      ["run", "--", "made in the container"],
      container
    )
    const map = ["--map", `${container}=${host}`]
    const rows = await w.json<Array<{ cwd: string; recordedCwd?: string; latestClaudeSessionId: string }>>([
      ...map,
      "ls",
      "--all"
    ])
    expect(rows).toMatchObject([{ cwd: host, recordedCwd: container, latestClaudeSessionId: claudeSessionId }])
    const resumed = await w.cli([...map, "resume", claudeSessionId, "--", "continued on the host"], host)
    expect(resumed.code, resumed.stderr).toBe(0)
    const copy = join(w.home, "projects", host.replace(/[^A-Za-z0-9]/g, "-"), `${claudeSessionId}.jsonl`)
    const text = readFileSync(copy, "utf8")
    expect(text).toContain("made in the container")
    expect(text).toContain("continued on the host")
  })
})
