/**
 * `@cc/agent-sdk` with the real Agent SDK 0.3.332 (and the Claude Code it bundles), offline
 * behind the loopback stand-in: stable ids for `query()`, a resume by stable id or label from
 * another directory, a fork linked, eight queries at once, and the vault as the default
 * SessionStore (a resume from an empty Claude home).
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
// @ts-expect-error plain JS tools
import { claudeEnv, startStandin } from "../../../tools/anthropic-standin.mjs"
import {
  closeSessions,
  forkSession,
  getSessionInfo,
  getSessionMessages,
  listSessions,
  query,
  renameSession,
  SessionNotHere,
  StableIdTaken,
  stableId,
  tagSession
} from "../src/index.js"

let standin: { url: string; close: () => Promise<void> }
let base: string
beforeAll(async () => {
  standin = await startStandin()
  base = mkdtempSync(join(tmpdir(), "cc-agent-sdk-"))
})
afterAll(async () => {
  await closeSessions()
  await standin.close()
  rmSync(base, { recursive: true, force: true })
})

let worlds = 0
/** A store, a Claude home and a project directory of their own. */
const world = () => {
  const dir = join(base, `w${++worlds}`)
  const home = join(dir, "claude")
  const store = join(dir, "store")
  const cwd = join(dir, "proj")
  for (const d of [home, store, cwd]) mkdirSync(d, { recursive: true })
  const env = claudeEnv(standin.url, home) as Record<string, string>
  return { dir, home, store, cwd, env, ccSession: { storeDir: store, claudeHomes: [home] } }
}

interface Ran {
  readonly sessionId: string
  readonly stableId: string | undefined
  readonly isError: boolean
  readonly messageIds: ReadonlyArray<string | undefined>
}

const drain = async (q: ReturnType<typeof query>): Promise<Ran> => {
  let sessionId = ""
  let isError = true
  const messageIds: Array<string | undefined> = []
  for await (const m of q) {
    messageIds.push(stableId(m))
    if (m.type === "system" && m.subtype === "init") sessionId = m.session_id
    if (m.type === "result") isError = m.is_error
  }
  return { sessionId, stableId: stableId(q), isError, messageIds }
}

const events = (store: string) =>
  readFileSync(join(store, "events.jsonl"), "utf8")
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => JSON.parse(l) as { type: string; session: string; payload: Record<string, unknown> })

const transcriptsIn = (home: string): Array<string> => {
  const projects = join(home, "projects")
  if (!existsSync(projects)) return []
  return readdirSync(projects).flatMap((f) => readdirSync(join(projects, f)).filter((n) => n.endsWith(".jsonl")))
}

describe("@cc/agent-sdk with the real Agent SDK 0.3.332", () => {
  it("gives a query a stable id up front, on the query and every message, and records its run", async () => {
    const w = world()
    const q = query({ prompt: "remember the word teal", options: { cwd: w.cwd, env: w.env, ccSession: w.ccSession } })
    const id = stableId(q)
    expect(id).toMatch(/^cc-session-/)
    const ran = await drain(q)
    expect(ran.isError).toBe(false)
    expect(ran.stableId).toBe(id)
    expect(new Set(ran.messageIds)).toEqual(new Set([id]))
    const log = events(w.store).filter((e) => e.session === id)
    const opened = log.find((e) => e.type === "session.opened")
    expect(opened?.payload).toMatchObject({ cwd: w.cwd, mode: "stream", entrypoint: "sdk-ts" })
    expect(opened?.payload.promptHash).toMatch(/^[0-9a-f]{64}$/)
    expect(JSON.stringify(log)).not.toContain("teal")
    expect(log.find((e) => e.type === "claude.observed")?.payload.claudeSessionId).toBe(ran.sessionId)
    expect(log.find((e) => e.type === "run.finished")?.payload).toMatchObject({ isError: false })

    const [row] = await listSessions({ ccSession: w.ccSession })
    expect(row).toMatchObject({
      sessionId: ran.sessionId,
      stableId: id,
      claudeSessionIds: [ran.sessionId],
      status: "finished",
      cwd: w.cwd,
      firstPrompt: "remember the word teal"
    })
    expect(await getSessionInfo(id as string, { ccSession: w.ccSession })).toEqual(row)
  })

  it("resumes by stable id and by label from another directory: the same transcript goes on", async () => {
    const w = world()
    const first = await drain(
      query({
        prompt: "remember the word teal",
        options: { cwd: w.cwd, env: w.env, ccSession: { ...w.ccSession, label: "nightly" } }
      })
    )
    const before = (await getSessionMessages(first.stableId as string, { ccSession: w.ccSession })).length
    // no cwd: the process's own directory is elsewhere; the session's own is used
    const again = await drain(
      query({
        prompt: "which word?",
        options: { resume: first.stableId as string, env: w.env, ccSession: w.ccSession }
      })
    )
    expect(again).toMatchObject({ sessionId: first.sessionId, stableId: first.stableId, isError: false })
    const byLabel = await drain(
      query({ prompt: "and now?", options: { resume: "nightly", env: w.env, ccSession: w.ccSession } })
    )
    expect(byLabel).toMatchObject({ sessionId: first.sessionId, stableId: first.stableId, isError: false })
    expect(transcriptsIn(w.home)).toEqual([`${first.sessionId}.jsonl`])
    const messages = await getSessionMessages("nightly", { ccSession: w.ccSession })
    expect(messages.length).toBeGreaterThanOrEqual(before + 4)
    expect(new Set(messages.map((m) => m.session_id))).toEqual(new Set([first.sessionId]))
  })

  it("links a fork (query forkSession and forkSession()), each with a stable id of its own", async () => {
    const w = world()
    const parent = await drain(
      query({ prompt: "remember the word teal", options: { cwd: w.cwd, env: w.env, ccSession: w.ccSession } })
    )
    const forked = await drain(
      query({
        prompt: "a branch",
        options: { resume: parent.stableId as string, forkSession: true, env: w.env, ccSession: w.ccSession }
      })
    )
    expect(forked.isError).toBe(false)
    expect(forked.sessionId).not.toBe(parent.sessionId)
    expect(forked.stableId).not.toBe(parent.stableId)
    const row = await getSessionInfo(forked.sessionId, { ccSession: w.ccSession })
    expect(row).toMatchObject({
      stableId: forked.stableId,
      forkedFrom: { claudeSessionId: parent.sessionId, stableId: parent.stableId }
    })
    // the SDK's own fork (fresh uuids, forkedFrom in the file), given a stable id
    const env = { ...process.env }
    Object.assign(process.env, w.env)
    let second: { sessionId: string; stableId: string }
    try {
      second = await forkSession(parent.stableId as string, { ccSession: w.ccSession })
      await renameSession(second.stableId, "the second branch", { ccSession: w.ccSession })
      await tagSession(second.sessionId, "wip", { ccSession: w.ccSession })
    } finally {
      process.env = env
    }
    const sdkFork = await getSessionInfo(second.stableId, { ccSession: w.ccSession })
    expect(sdkFork).toMatchObject({
      sessionId: second.sessionId,
      customTitle: "the second branch",
      summary: "the second branch",
      tag: "wip",
      forkedFrom: { claudeSessionId: parent.sessionId, stableId: parent.stableId }
    })
    const all = await listSessions({ ccSession: w.ccSession })
    expect(all.map((r) => r.stableId).sort()).toEqual([parent.stableId, forked.stableId, second.stableId].sort())
  })

  it("gives eight queries at once eight ids", async () => {
    const w = world()
    const runs = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        drain(query({ prompt: `task ${i}`, options: { cwd: w.cwd, env: w.env, ccSession: w.ccSession } }))
      )
    )
    expect(runs.every((r) => !r.isError)).toBe(true)
    expect(new Set(runs.map((r) => r.sessionId)).size).toBe(8)
    expect(new Set(runs.map((r) => r.stableId)).size).toBe(8)
    const rows = await listSessions({ ccSession: w.ccSession })
    expect(rows.map((r) => [r.stableId, r.sessionId]).sort()).toEqual(runs.map((r) => [r.stableId, r.sessionId]).sort())
  })

  it("resumes on a host with an empty Claude home from the vault, and back: each host first takes the other's turns", async () => {
    const w = world()
    const first = await drain(
      query({ prompt: "remember the word teal", options: { cwd: w.cwd, env: w.env, ccSession: w.ccSession } })
    )
    const hostB = join(w.dir, "claude-b")
    mkdirSync(hostB)
    const envB = claudeEnv(standin.url, hostB) as Record<string, string>
    const resumed = await drain(
      query({
        prompt: "which word?",
        options: { resume: first.stableId as string, env: envB, ccSession: { storeDir: w.store, claudeHomes: [hostB] } }
      })
    )
    expect(resumed).toMatchObject({ sessionId: first.sessionId, stableId: first.stableId, isError: false })
    expect(transcriptsIn(hostB)).toEqual([`${first.sessionId}.jsonl`])
    const onB = await getSessionMessages(first.stableId as string, {
      ccSession: { storeDir: w.store, claudeHomes: [hostB] }
    })
    expect(onB.length).toBeGreaterThanOrEqual(4)
    const back = await drain(
      query({ prompt: "and on A?", options: { resume: first.stableId as string, env: w.env, ccSession: w.ccSession } })
    )
    expect(back).toMatchObject({ sessionId: first.sessionId, isError: false })
    const onA = await getSessionMessages(first.stableId as string, { ccSession: w.ccSession })
    expect(onA.slice(0, onB.length).map((m) => m.uuid)).toEqual(onB.map((m) => m.uuid))
    expect(onA.length).toBeGreaterThanOrEqual(onB.length + 2)
  })

  it("says plainly what cannot be: an unknown reference, a stable id already in use, bad options", async () => {
    const w = world()
    const unknown = query({ prompt: "x", options: { resume: "no-such-label", env: w.env, ccSession: w.ccSession } })
    await expect(drain(unknown)).rejects.toMatchObject({ _tag: "InvalidReference" })
    const first = await drain(query({ prompt: "one", options: { cwd: w.cwd, env: w.env, ccSession: w.ccSession } }))
    const taken = query({
      prompt: "two",
      options: { cwd: w.cwd, env: w.env, ccSession: { ...w.ccSession, stableId: first.stableId as never } }
    })
    await expect(drain(taken)).rejects.toBeInstanceOf(StableIdTaken)
    expect(() => query({ prompt: "x", options: { ccSession: { stableId: "nope" } as never } })).toThrow(
      /ccSession must be/
    )
    await expect(renameSession("no-such-session", "t", { ccSession: w.ccSession })).rejects.toBeInstanceOf(
      SessionNotHere
    )
  })
})
