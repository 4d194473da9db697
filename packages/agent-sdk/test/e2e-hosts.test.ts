/**
 * Two machines, one PostgreSQL (`ccSession.events`: the shared event log and vault), the real
 * Agent SDK 0.3.332 offline: a session started through `query()` on A is resumed by its stable
 * id on B, whose Claude home is empty, in the same conversation; A, resuming again, first takes
 * B's turns. Both see one row for it.
 */
import { mkdirSync, mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import pg from "pg"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
// @ts-expect-error plain JS tools
import { claudeEnv, startStandin } from "../../../tools/anthropic-standin.mjs"
import { closeSessions, getSessionMessages, listSessions, query, stableId } from "../src/index.js"

let standin: { url: string; close: () => Promise<void> }
let dir: string
let url: string
beforeAll(async () => {
  standin = await startStandin()
  dir = mkdtempSync(join(tmpdir(), "cc-agent-sdk-hosts-"))
  const base = process.env.CC_TEST_PG_URL as string
  const admin = new pg.Pool({ connectionString: base, max: 1 })
  const db = `agent_sdk_hosts_${process.pid}`
  await admin.query(`CREATE DATABASE ${db}`)
  await admin.end()
  url = base.replace(/\/postgres$/, `/${db}`)
})
afterAll(async () => {
  await closeSessions()
  await standin.close()
  rmSync(dir, { recursive: true, force: true })
})

const drain = async (q: ReturnType<typeof query>) => {
  let sessionId = ""
  let isError = true
  for await (const m of q) {
    if (m.type === "system" && m.subtype === "init") sessionId = m.session_id
    if (m.type === "result") isError = m.is_error
  }
  return { sessionId, isError, stableId: stableId(q) }
}

describe("@cc/agent-sdk on two hosts sharing PostgreSQL", () => {
  it("resumes A's session on B by its stable id, and A then goes on from B's turns", async () => {
    const cwd = join(dir, "proj")
    mkdirSync(cwd)
    const host = (name: string) => {
      const home = join(dir, name, "home")
      mkdirSync(home, { recursive: true })
      return {
        env: { ...(claudeEnv(standin.url, home) as Record<string, string>), CC_SESSIONS_HOST: name },
        ccSession: { storeDir: join(dir, name, "store"), claudeHomes: [home], events: url }
      }
    }
    const a = host("a")
    const b = host("b")
    const first = await drain(query({ prompt: "remember the word teal", options: { cwd, ...a } }))
    expect(first.isError).toBe(false)
    const id = first.stableId as string

    const onB = await drain(query({ prompt: "which word?", options: { resume: id, ...b } }))
    expect(onB).toMatchObject({ sessionId: first.sessionId, stableId: id, isError: false })
    const seenOnB = await getSessionMessages(id, { ccSession: b.ccSession })
    expect(seenOnB.length).toBeGreaterThanOrEqual(4)

    const back = await drain(query({ prompt: "and now?", options: { resume: id, ...a } }))
    expect(back).toMatchObject({ sessionId: first.sessionId, isError: false })
    const onA = await getSessionMessages(id, { ccSession: a.ccSession })
    expect(onA.slice(0, seenOnB.length).map((m) => m.uuid)).toEqual(seenOnB.map((m) => m.uuid))
    expect(onA.length).toBeGreaterThanOrEqual(seenOnB.length + 2)

    for (const side of [a, b]) {
      const rows = (await listSessions({ ccSession: side.ccSession })).filter((r) => r.stableId === id)
      expect(rows.map((r) => r.sessionId)).toEqual([first.sessionId])
    }
  })
})
