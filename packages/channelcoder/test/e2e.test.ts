/**
 * End to end with the real `channelcoder@3.0.2` from npm driving the real Claude Code CLI
 * (2.1.197, and 1.0.30) offline against the loopback stand-in, and the built `cc-session`.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
// @ts-expect-error plain JS tools
import { startStandin } from "../../../tools/anthropic-standin.mjs"
import { type Generation, makeWorld, ran } from "./helpers/world.js"

let standin: { url: string; close: () => Promise<void> }
let base: string
beforeAll(async () => {
  standin = await startStandin()
  base = mkdtempSync(join(tmpdir(), "cc-channelcoder-e2e-"))
})
afterAll(async () => {
  await standin.close()
  if (process.env.KEEP === undefined) rmSync(base, { recursive: true, force: true })
})

const world = (generation: Generation) => makeWorld(base, standin.url, generation)

describe("plain ChannelCoder 3.0.2, then cc-session", () => {
  it("detached: recover ties the placeholder to its transcript, repair writes the id, ChannelCoder's own next call continues it (2.1.197)", async () => {
    const w = world("2.1")
    const log = join(w.project, "output.log")
    await w.drive({ op: "detached", name: "refactor", prompt: "refactor the parser", logFile: log })
    const claudeId = await ran(w, log, "refactor the parser")
    const placeholder = w.session("refactor").currentSessionId as string
    expect(placeholder).toMatch(/^detached-\d+$/)
    // ChannelCoder alone cannot go on: it resumes its placeholder
    const before = await w.drive({ op: "claude", name: "refactor", load: true, prompt: "go on" })
    expect(before.result.success).toBe(false)

    const rows = await w.json<Array<Record<string, unknown>>>(["recover"])
    expect(rows).toEqual([
      expect.objectContaining({ channelCoderSession: "refactor", placeholder, claudeSessionIds: [claudeId] })
    ])
    expect(await w.json(["resolve", placeholder])).toMatchObject({ claudeSessionIds: [claudeId] })
    const [report] = await w.json<Array<{ status: string }>>(["channelcoder", "repair"])
    expect(report?.status).toBe("repaired")
    expect(w.session("refactor")).toMatchObject({ sessionChain: [claudeId], currentSessionId: claudeId })

    const after = await w.drive({ op: "claude", name: "refactor", load: true, prompt: "now add a test" })
    expect(after.result.success).toBe(true)
    // the second prompt landed in the same transcript
    expect(w.transcripts().get(claudeId)).toContain("now add a test")
  })

  it("detached with Claude 1.0.30: tied, repaired, and ChannelCoder's resume extends the chain", async () => {
    const w = world("1.0")
    const log = join(w.project, "output.log")
    await w.drive({ op: "detached", name: "legacy", prompt: "old cli task", logFile: log })
    const claudeId = await ran(w, log, "old cli task")
    const [report] = await w.json<Array<{ status: string }>>(["channelcoder", "repair", "legacy"])
    expect(report?.status).toBe("repaired")
    const after = await w.drive({ op: "claude", name: "legacy", load: true, prompt: "continue please" })
    expect(after.result.success).toBe(true)
    // 1.0.x gives a resume a new id whose file links back: one chain from either end
    const chain = (await w.json<{ claudeSessionIds: Array<string> }>(["resolve", claudeId])).claudeSessionIds
    expect(chain[0]).toBe(claudeId)
    expect(chain).toHaveLength(2)
    expect(w.session("legacy").sessionChain).toEqual([claudeId, chain[1]])
  })

  it("stream mode's pending resolves to its own transcript", async () => {
    const w = world("2.1")
    await w.drive({ op: "stream", name: "streamer", prompt: "stream me an answer" })
    const state = w.session("streamer")
    expect(state.messages[0].sessionId).toBe("pending")
    const [only] = [...w.transcripts().keys()]
    expect(await w.json(["resolve", "channelcoder:streamer"])).toMatchObject({ claudeSessionIds: [only] })
    await w.json(["channelcoder", "repair", "streamer"])
    expect(w.session("streamer")).toMatchObject({ sessionChain: [only], currentSessionId: only })
  })

  it("two sessions started in the same second get their own ids; the same prompt twice is an ambiguity; a half-written file is a diagnostic", async () => {
    const w = world("2.1")
    const logs = ["alpha", "beta", "twin-a", "twin-b"].map((name) => join(w.project, `${name}.log`))
    await Promise.all([
      w.drive({ op: "detached", name: "alpha", prompt: "alpha task", logFile: logs[0] }),
      w.drive({ op: "detached", name: "beta", prompt: "beta task", logFile: logs[1] }),
      w.drive({ op: "detached", name: "twin-a", prompt: "the same prompt", logFile: logs[2] }),
      w.drive({ op: "detached", name: "twin-b", prompt: "the same prompt", logFile: logs[3] })
    ])
    const prompts = ["alpha task", "beta task", "the same prompt", "the same prompt"]
    const ids = await Promise.all(logs.map((log, i) => ran(w, log, prompts[i] as string)))
    writeFileSync(join(w.sessions, "torn.json"), '{"sessionChain": ["detached-17')
    const r = await w.cli(["--json", "recover"])
    expect(r.code).toBe(0)
    expect(r.stderr).toMatch(/torn\.json/)
    const rows = JSON.parse(r.stdout) as Array<{
      channelCoderSession?: string
      claudeSessionIds: Array<string>
      candidates?: Array<{ claudeSessionId: string }>
    }>
    const row = (name: string) => rows.find((x) => x.channelCoderSession === name)
    expect(row("alpha")?.claudeSessionIds).toEqual([ids[0]])
    expect(row("beta")?.claudeSessionIds).toEqual([ids[1]])
    expect(
      row("twin-a")
        ?.candidates?.map((c) => c.claudeSessionId)
        .sort()
    ).toEqual([ids[2], ids[3]].sort())
    const twin = await w.cli(["--json", "resolve", "channelcoder:twin-b"])
    expect(twin.code).toBe(3)
    // nothing lost: the torn file is left exactly as it was
    const repair = await w.cli(["--json", "channelcoder", "repair"])
    expect(repair.code).toBe(1)
    expect(readFileSync(join(w.sessions, "torn.json"), "utf8")).toBe('{"sessionChain": ["detached-17')
    expect(w.session("twin-a").currentSessionId).toMatch(/^detached-/)
    expect(w.session("alpha").currentSessionId).toBe(ids[0])
  })
})

describe("@cc/channelcoder: the same flow with one import changed", () => {
  it("needs no repair: the placeholder is replaced from the run's log before the next call, and a detached resume sends its prompt", async () => {
    const w = world("2.1")
    const first = await w.drive({ bridge: true, op: "detached", name: "bridged", prompt: "first bridged task" })
    expect(first.result.success).toBe(true)
    const log = first.result.data?.logFile as string
    expect(log.startsWith(w.store)).toBe(true)
    const claudeId = await ran(w, log, "first bridged task")
    const next = await w.drive({
      bridge: true,
      op: "claude",
      name: "bridged",
      load: true,
      prompt: "second bridged prompt"
    })
    expect(next.result.success).toBe(true)
    // ChannelCoder pushes the id its call reported (2.1.x keeps the id on a resume)
    expect(w.session("bridged").sessionChain).toEqual([claudeId, claudeId])
    expect(w.session("bridged").currentSessionId).toBe(claudeId)
    expect(w.transcripts().get(claudeId)).toContain("second bridged prompt")
    // a detached resume: the prompt reaches Claude (ChannelCoder's own sends none)
    const resumed = await w.drive({
      bridge: true,
      op: "detached",
      name: "bridged",
      load: true,
      prompt: "third, detached"
    })
    const resumedLog = resumed.result.data?.logFile as string
    expect(await ran(w, resumedLog, "third, detached")).toBe(claudeId)
    expect(w.transcripts().get(claudeId), `its log:\n${readFileSync(resumedLog, "utf8").slice(-2000)}`).toContain(
      "third, detached"
    )
    // the session is known to cc-session by its label, with its Claude id
    expect(await w.json(["resolve", "channelcoder:bridged"])).toMatchObject({
      claudeSessionIds: [claudeId],
      resolvedBy: "store"
    })
  })
})
