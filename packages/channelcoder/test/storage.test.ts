import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { openEventLog } from "@cc/events"
import { afterEach, beforeEach, describe, expect, it } from "vitest"
import { ccSessionStorage } from "../src/index.js"

let dir: string
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "cc-channelcoder-storage-"))
})
afterEach(() => rmSync(dir, { recursive: true, force: true }))

const REAL = "00000000-0000-4000-8000-000000000001"
const state = (chain: Array<string>) => ({
  sessionChain: chain,
  ...(chain.length === 0 ? {} : { currentSessionId: chain.at(-1) as string }),
  messages: chain.map((sessionId) => ({
    role: "user" as const,
    content: "a prompt",
    timestamp: new Date(0),
    sessionId
  })),
  metadata: { name: "job", created: new Date(0), lastActive: new Date(1) }
})

describe("ccSessionStorage", () => {
  it("keeps ChannelCoder's layout, writes 0600 through a rename, and records every real id once", async () => {
    const storage = ccSessionStorage({ storeDir: dir })
    const path = await storage.save(state(["detached-1795807425164"]), "job")
    expect(path).toBe(join(dir, "sessions", "job.json"))
    expect(statSync(path).mode & 0o777).toBe(0o600)
    expect(readdirSync(join(dir, "sessions"))).toEqual(["job.json"])
    await storage.save(state([REAL]), "job")
    await storage.save(state([REAL]), "job")
    const loaded = await storage.load("job")
    expect(loaded.metadata.created).toBeInstanceOf(Date)
    expect(loaded.messages[0]?.timestamp).toBeInstanceOf(Date)
    expect(JSON.parse(readFileSync(path, "utf8")).sessionChain).toEqual([REAL])
    expect(await storage.list()).toMatchObject([{ name: "job", messageCount: 1 }])
    const { events } = await (await openEventLog({ dir })).read()
    expect(events.map((e) => e.event.type)).toEqual(["session.opened", "session.labeled", "claude.observed"])
    expect(events[1]?.event.payload).toEqual({ label: "channelcoder:job" })
    expect(events[2]?.event.payload).toMatchObject({ claudeSessionId: REAL, source: "channelcoder" })
  })

  it("gives an unnamed session one file name, not a new file per save", async () => {
    const storage = ccSessionStorage({ storeDir: dir })
    const s = { ...state([]), metadata: { created: new Date(0), lastActive: new Date(0) } }
    await storage.save(s)
    await storage.save(s)
    expect(readdirSync(join(dir, "sessions"))).toHaveLength(1)
  })

  it("loading a file that is not JSON fails with ChannelCoder's own wording", async () => {
    const storage = ccSessionStorage({ storeDir: dir })
    await storage.save(state([]), "ok")
    await expect(storage.load(join(dir, "nope.json"))).rejects.toThrow(/^Failed to load session from/)
  })
})
