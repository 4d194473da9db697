import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { makeMemoryVault, type SdkSessionEntry, vaultSessionStore } from "../src/index.js"

const SESSION = "22222222-3333-4444-8555-666666666666"
const key = { projectKey: "-home-dev-proj", sessionId: SESSION }

const entryArb = fc.oneof(
  fc.record({
    type: fc.constantFrom("user", "assistant"),
    uuid: fc.constantFrom("u1", "u2", "u3", "u4", "u5"),
    text: fc.string()
  }),
  fc.record({ type: fc.constant("custom-title"), customTitle: fc.string() })
)

describe("the SDK's SessionStore on a vault", () => {
  it("loads what was appended, in order, each uuid once (retries and replays dropped)", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.array(entryArb, { maxLength: 5 }), { maxLength: 6 }), async (batches) => {
        const store = vaultSessionStore(makeMemoryVault())
        const expected: Array<SdkSessionEntry> = []
        const seen = new Set<string>()
        for (const batch of batches) {
          await store.append(key, batch)
          for (const e of batch) {
            const uuid = "uuid" in e ? e.uuid : undefined
            if (uuid !== undefined && seen.has(uuid)) continue
            if (uuid !== undefined) seen.add(uuid)
            expected.push(e)
          }
        }
        const loaded = await store.load(key)
        expect(loaded).toEqual(expected.length === 0 ? null : expected)
      }),
      { numRuns: 60 }
    )
  })

  it("scopes by project key, lists subagents, folds summaries, deletes a session with its subagents", async () => {
    const vault = makeMemoryVault()
    const folds: Array<number> = []
    const store = vaultSessionStore(vault, {
      foldSessionSummary: (prev, k, entries, options) => {
        folds.push(entries.length)
        return {
          sessionId: k.sessionId,
          mtime: options?.mtime ?? prev?.mtime ?? 0,
          data: { count: Number(prev?.data.count ?? 0) + entries.length }
        }
      }
    })
    await store.append(key, [{ type: "user", uuid: "a", cwd: "/home/dev/proj" }])
    await store.append(key, [
      { type: "assistant", uuid: "b" },
      { type: "user", uuid: "a" }
    ])
    await store.append({ ...key, subpath: "subagents/agent-x1" }, [{ type: "user", uuid: "s" }])
    expect(await store.load({ ...key, projectKey: "-elsewhere" })).toBeNull()
    expect((await store.listSessions(key.projectKey)).map((s) => s.sessionId)).toEqual([SESSION])
    expect(await store.listSessions("-elsewhere")).toEqual([])
    expect(await store.listSubkeys(key)).toEqual(["subagents/agent-x1"])
    expect(await store.load({ ...key, subpath: "subagents/agent-x1" })).toEqual([{ type: "user", uuid: "s" }])
    // the replayed "a" is not folded twice; subagents' entries are not folded at all
    expect(folds).toEqual([1, 1])
    const [summary] = await store.listSessionSummaries(key.projectKey)
    expect(summary).toMatchObject({ sessionId: SESSION, data: { count: 2 } })
    expect(summary?.mtime).toBe((await store.listSessions(key.projectKey))[0]?.mtime)
    // another process appending: it reads the uuids from the copy, not from memory
    const again = vaultSessionStore(vault)
    await again.append(key, [
      { type: "user", uuid: "b" },
      { type: "tag", tag: "x" }
    ])
    expect(await store.load(key)).toEqual([
      { type: "user", uuid: "a", cwd: "/home/dev/proj" },
      { type: "assistant", uuid: "b" },
      { type: "tag", tag: "x" }
    ])
    await store.delete(key)
    expect(await store.load(key)).toBeNull()
    expect(await store.listSubkeys(key)).toEqual([])
    await expect(store.append({ ...key, sessionId: "../../etc" }, [{ type: "user" }])).rejects.toThrow(
      /Claude session ids/
    )
  })
})
