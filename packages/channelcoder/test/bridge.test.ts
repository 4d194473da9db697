/**
 * The bridge is ChannelCoder with correct ids: each path that sent a prompt into the wrong
 * conversation, or said something untrue, driven as ChannelCoder's users drive it, with the real
 * Claude Code CLI (2.1.332, and 1.0.30 where the id cannot be chosen) behind it, offline.
 */
import { execFileSync } from "node:child_process"
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { openEventLog } from "@cc/events"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
// @ts-expect-error plain JS tools
import { startStandin } from "../../../tools/anthropic-standin.mjs"
import { type Generation, makeWorld, ran, type World } from "./helpers/world.js"

let standin: { url: string; close: () => Promise<void> }
let base: string
beforeAll(async () => {
  standin = await startStandin()
  base = mkdtempSync(join(tmpdir(), "cc-bridge-"))
})
afterAll(async () => {
  await standin.close()
  if (process.env.KEEP === undefined) rmSync(base, { recursive: true, force: true })
})

const world = (generation: Generation, options: { path?: string } = {}) =>
  makeWorld(base, standin.url, generation, options)

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

/** The log a detached call's result names. */
const logOf = (result: { data?: unknown } | undefined): string => {
  const data = result?.data
  if (typeof data !== "object" || data === null || !("logFile" in data) || typeof data.logFile !== "string")
    throw new Error(`no log in ${JSON.stringify(result)}`)
  return data.logFile
}

const eventsOf = async (w: World) => (await (await openEventLog({ dir: w.store })).read()).events.map((s) => s.event)

/** The transcript that holds a prompt (a 2.1.x conversation is one file). */
const holder = (w: World, prompt: string): Array<string> =>
  [...w.prompts()].filter(([, prompts]) => prompts.includes(prompt)).map(([id]) => id)

describe("@cc/channelcoder is ChannelCoder's whole API", () => {
  it("re-exports every name channelcoder@3.0.2 exports, the same objects but session", async () => {
    const plain = await import("channelcoder")
    const bridge = await import("../src/index.js")
    const names = Object.keys(plain).sort()
    expect(names.length).toBeGreaterThanOrEqual(22)
    for (const name of names) {
      expect(bridge, name).toHaveProperty(name)
      if (name !== "session")
        expect((bridge as Record<string, unknown>)[name], name).toBe((plain as Record<string, unknown>)[name])
    }
    expect(bridge.session).not.toBe(plain.session)
  })
})

describe("the bridge, driven as ChannelCoder's users drive it (2.1.332)", () => {
  it("a detached run has its real id up front: no placeholder, and claude() right after continues it", async () => {
    const w = world("2.1.332")
    const out = await w.script({
      bridge: true,
      open: { name: "quick" },
      ops: [
        { op: "detached", prompt: "detached first" },
        { op: "claude", prompt: "right after" }
      ]
    })
    const [first, second] = out.results
    expect(first?.success).toBe(true)
    expect(first?.sessionId).toMatch(UUID)
    expect(second?.success, second?.error).toBe(true)
    expect(w.session("quick").sessionChain).toEqual([first?.sessionId, first?.sessionId])
    expect(w.prompts().get(first?.sessionId as string)).toEqual(["detached first", "right after"])
  })

  it("detached, detached, stream in one process: each waits for the run before it, in order", async () => {
    const w = world("2.1.332")
    const out = await w.script({
      bridge: true,
      open: { name: "queue" },
      ops: [
        { op: "detached", prompt: "queued one" },
        { op: "detached", prompt: "queued two" },
        { op: "stream", prompt: "queued three" }
      ]
    })
    expect(out.results.map((r) => r.success)).toEqual([true, true, true])
    const id = out.results[0]?.sessionId as string
    await ran(w, logOf(out.results[1]), "queued two")
    expect(w.prompts().get(id)).toEqual(["queued one", "queued two", "queued three"])
  })

  it("clear() then detached() starts a new conversation under a new stable id; the file holds it", async () => {
    const w = world("2.1.332")
    const out = await w.script({
      bridge: true,
      open: { name: "cleared" },
      ops: [
        { op: "claude", prompt: "old conversation" },
        { op: "clear" },
        { op: "detached", prompt: "new conversation" }
      ]
    })
    const fresh = out.results[2]
    expect(fresh?.success).toBe(true)
    await ran(w, logOf(fresh), "new conversation")
    expect(holder(w, "new conversation")).toEqual([fresh?.sessionId])
    expect(holder(w, "old conversation")).not.toContain(fresh?.sessionId)
    const saved = w.session("cleared")
    expect(saved.sessionChain).toEqual([fresh?.sessionId])
    expect(saved.messages.map((m: { content: string }) => m.content)).toEqual(["new conversation"])
    // the name resolves to the new conversation; the old one keeps its own stable id
    const resolved = await w.json<{ id: string; claudeSessionIds: Array<string> }>(["resolve", "channelcoder:cleared"])
    expect(resolved.claudeSessionIds).toEqual([fresh?.sessionId])
    const old = await w.json<{ id: string }>(["resolve", holder(w, "old conversation")[0] as string])
    expect(old.id).not.toBe(resolved.id)
  })

  it("session.opened holds mode, prompt hash, log and name: two prompts started together in one cwd resolve apart", async () => {
    const w = world("2.1.332")
    const [a, b] = await Promise.all([
      w.script({ bridge: true, open: { name: "twin-a" }, ops: [{ op: "detached", prompt: "alpha work" }] }),
      w.script({ bridge: true, open: { name: "twin-b" }, ops: [{ op: "detached", prompt: "beta work" }] })
    ])
    for (const [out, prompt] of [
      [a, "alpha work"],
      [b, "beta work"]
    ] as const) {
      await ran(w, logOf(out?.results[0]), prompt)
    }
    const ra = await w.json<{ claudeSessionIds: Array<string> }>(["resolve", "channelcoder:twin-a"])
    const rb = await w.json<{ claudeSessionIds: Array<string> }>(["resolve", "channelcoder:twin-b"])
    expect(ra.claudeSessionIds).toEqual(holder(w, "alpha work"))
    expect(rb.claudeSessionIds).toEqual(holder(w, "beta work"))
    const opened = (await eventsOf(w)).filter((e) => e.type === "session.opened")
    expect(opened).toHaveLength(2)
    for (const e of opened) {
      expect(e.payload).toMatchObject({ mode: "detached", cwd: w.project })
      expect(e.payload).toHaveProperty("promptHash")
      expect(e.payload).toHaveProperty("logPath")
    }
    // ls names them and knows they ended
    const listed = await w.json<Array<{ label?: string; status: string }>>(["ls"])
    expect(listed.map((r) => r.label).sort()).toEqual(["channelcoder:twin-a", "channelcoder:twin-b"])
    expect(listed.map((r) => r.status)).toEqual(["finished", "finished"])
    const table = await w.cli(["ls"])
    expect(table.stdout).toContain("NAME")
    expect(table.stdout).toContain("channelcoder:twin-a")
  })

  it("names ChannelCoder cannot load again are refused; two sessions never merge", async () => {
    const w = world("2.1.332")
    const out = await w.script({ bridge: true, open: { name: "team/feature" }, ops: [] })
    expect(out.thrown?.tag).toBe("InvalidSessionName")
    expect(existsSync(w.sessions) ? readdirSync(w.sessions) : []).toEqual([])
  })

  it('worktree: {branch, base} and worktree: "branch" run in the worktree, as plain ChannelCoder does', async () => {
    const w = world("2.1.332")
    const git = (...args: Array<string>) =>
      execFileSync("git", args, {
        cwd: w.project,
        env: {
          ...process.env,
          GIT_AUTHOR_NAME: "t",
          GIT_AUTHOR_EMAIL: "t@t",
          GIT_COMMITTER_NAME: "t",
          GIT_COMMITTER_EMAIL: "t@t"
        }
      })
    git("init", "-q", "-b", "main")
    writeFileSync(join(w.project, "a.txt"), "a\n")
    git("add", ".")
    git("commit", "-qm", "first")
    const out = await w.script({
      bridge: true,
      open: { name: "tree" },
      ops: [{ op: "detached", prompt: "in the tree", options: { worktree: { branch: "feat", base: "main" } } }]
    })
    expect(out.results[0]?.success, out.results[0]?.error).toBe(true)
    const id = await ran(w, logOf(out.results[0]), "in the tree")
    const tree = join(w.root, "project-feat")
    expect(w.cwdOf(id)).toBe(tree)
    // the string form finds the same worktree; plain ChannelCoder's claude() runs there too
    const again = await w.script({
      bridge: true,
      open: { name: "tree", load: true },
      ops: [{ op: "claude", prompt: "again in the tree", options: { worktree: "feat" } }]
    })
    expect(again.results[0]?.success, again.results[0]?.error).toBe(true)
    expect(w.prompts().get(id)).toEqual(["in the tree", "again in the tree"])
    const plain = await w.script({
      bridge: false,
      open: { name: "plain-tree" },
      ops: [{ op: "claude", prompt: "plain in the tree", options: { worktree: "feat" } }]
    })
    expect(w.cwdOf(plain.results[0]?.sessionId as string)).toBe(tree)
    // the cc-session store knows the worktree as the session's cwd
    expect((await w.json<{ cwd: string }>(["show", "channelcoder:tree"])).cwd).toBe(tree)
  })

  it("docker mode: what plain ChannelCoder reports, never success with a pid", async () => {
    const w = world("2.1.332")
    // a docker that refuses as the real client does for ChannelCoder 3.0.2's `docker -d run …`
    writeFileSync(
      join(w.bin, "docker"),
      '#!/bin/sh\nif [ "$1" = "--version" ]; then echo "Docker version 28.2.2"; exit 0; fi\ncat >/dev/null\necho "unknown shorthand flag: \'d\' in -d" >&2\nexit 125\n'
    )
    chmodSync(join(w.bin, "docker"), 0o755)
    const ops = [{ op: "detached", prompt: "in a box", options: { docker: { image: "claude:latest" } } }]
    const plain = await w.script({ bridge: false, open: { name: "box-plain" }, ops })
    const bridged = await w.script({ bridge: true, open: { name: "box" }, ops })
    expect(plain.results[0]?.success).toBe(false)
    expect(bridged.results[0]).toEqual(plain.results[0])
    expect(bridged.results[0]?.error).toMatch(/Docker failed with exit code 125/)
  })

  it("autoSave: false writes no session file; a failed start leaves no file, no log and no running session", async () => {
    const w = world("2.1.332")
    const out = await w.script({
      bridge: true,
      open: { name: "unsaved", autoSave: false },
      ops: [{ op: "claude", prompt: "not saved" }]
    })
    expect(out.results[0]?.success).toBe(true)
    expect(existsSync(join(w.sessions, "unsaved.json"))).toBe(false)
    const nowhere = world("2.1.332", { path: "/nonexistent-bin" })
    const failed = await nowhere.script({
      bridge: true,
      open: { name: "nobin" },
      ops: [{ op: "detached", prompt: "x" }]
    })
    expect(failed.results[0]?.success).toBe(false)
    expect(failed.results[0]?.error).toMatch(/Claude CLI not found/)
    expect(existsSync(join(nowhere.sessions, "nobin.json"))).toBe(false)
    const logs = join(nowhere.store, "logs", "channelcoder", "nobin")
    expect(existsSync(logs) ? readdirSync(logs) : []).toEqual([])
    expect((await eventsOf(nowhere)).filter((e) => e.type === "run.started")).toEqual([])
  })
})

describe("the bridge where the id cannot be chosen (1.0.30)", () => {
  it("claude() right after detached() waits for the run's id and continues it, never sending the placeholder", async () => {
    const w = world("1.0")
    const out = await w.script({
      bridge: true,
      open: { name: "legacy" },
      ops: [
        { op: "detached", prompt: "legacy first" },
        { op: "claude", prompt: "legacy second" }
      ]
    })
    expect(out.results[0]?.success).toBe(true)
    expect(out.results[1]?.success, out.results[1]?.error).toBe(true)
    const chain = w.session("legacy").sessionChain as Array<string>
    expect(chain.every((id) => UUID.test(id))).toBe(true)
    // 1.0.x: the resume is a new id whose transcript carries the whole conversation
    expect(w.prompts().get(chain.at(-1) as string)).toEqual(["legacy first", "legacy second"])
  })

  it("a resume whose run never names its id fails clearly after the wait", async () => {
    const w = world("1.0")
    // a claude that starts and says nothing
    writeFileSync(join(w.bin, "claude"), '#!/bin/sh\nif [ "$1" = "--help" ]; then echo usage; exit 0; fi\nsleep 5\n')
    const out = await w.script({
      bridge: true,
      resumeWaitMs: 1500,
      open: { name: "silent" },
      ops: [
        { op: "detached", prompt: "never answers" },
        { op: "claude", prompt: "must not go to a placeholder" }
      ]
    })
    expect(out.results[0]?.success).toBe(true)
    expect(out.results[1]?.success).toBe(false)
    expect(out.results[1]?.error).toMatch(/not known yet|not resuming/)
  })
})
