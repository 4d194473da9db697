/** The run claim, where a kept transcript goes back to (properties, on the memory vault), and a chain put back. */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { TranscriptCache } from "@cc/cache"
import { runAsPromise } from "@cc/events"
import { projectFolderName } from "@cc/sources"
import {
  isVaultError,
  makeFileVault,
  makeMemoryVault,
  mirrorTranscript,
  pathInProject,
  type TranscriptKey,
  transcriptKeyOf
} from "@cc/vault"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { claimRun, releaseClaim, restoreMissing, restoreTargetOf, SessionBusy } from "../src/index.js"

const LATEST = "6ce6d571-408f-468d-a881-54e3bdf92889"
const run = (purpose: "resume" | "fork") => ({
  reference: "nightly",
  stableId: "cc-session-00000000-0000-4000-8000-000000000001",
  latest: LATEST,
  purpose,
  hint: "Wait for it to end."
})

describe("the run claim", () => {
  it("one writer at a time: a second resume is SessionBusy naming the run, a fork never waits, a release frees it", async () => {
    let now = 1_000
    const vault = makeMemoryVault({ now: () => now })
    const first = await claimRun(vault, run("resume"))
    expect(first?.sessionId).toBe(LATEST)
    const busy = await claimRun(vault, run("resume")).catch((error: unknown) => error)
    expect(busy).toBeInstanceOf(SessionBusy)
    expect((busy as SessionBusy).holder).toBe(first?.holder.what)
    expect((busy as SessionBusy).message).toContain("Wait for it to end.")
    expect(await claimRun(vault, run("fork"))).toBeUndefined()
    await releaseClaim(vault, first)
    const second = await claimRun(vault, run("resume"))
    expect(second).toBeDefined()
    // a holder that died: its claim runs out
    now += 60_000
    expect(await claimRun(vault, run("resume"))).toBeDefined()
  })

  it("a reference that is no Claude id claims nothing", async () => {
    expect(await claimRun(makeMemoryVault(), { ...run("resume"), latest: "not-an-id" })).toBeUndefined()
  })
})

describe("where a kept transcript goes back to", () => {
  it("is the project folder claude looks in for the cwd, else the folder it was kept from", () => {
    fc.assert(
      fc.property(
        fc.option(fc.stringMatching(/^\/[a-z0-9/._-]{1,60}$/), { nil: undefined }),
        fc.option(fc.constantFrom("subagents/agent-a1.jsonl", "subagents/agent-b.jsonl"), { nil: undefined }),
        (cwd, subpath) => {
          const key = transcriptKeyOf(LATEST, subpath ?? "")
          if (key === undefined) throw new Error("a valid key")
          const copy = { key, meta: { projectKey: "-kept-from", host: "h" } }
          const folder = cwd === undefined ? "-kept-from" : projectFolderName(cwd, {})
          expect(restoreTargetOf("/home/c", copy, cwd, {})).toBe(
            join("/home/c", "projects", folder, pathInProject(key))
          )
        }
      )
    )
  })
})

describe("restoreMissing", () => {
  it("puts a chain back together, byte for byte; one that cannot be is thrown once the others are back", async () => {
    const dir = mkdtempSync(join(tmpdir(), "cc-keeper-restore-"))
    try {
      const home = join(dir, "home")
      const folder = join(home, "projects", projectFolderName("/p"))
      mkdirSync(folder, { recursive: true })
      const vault = makeFileVault({ dir: join(dir, "vault") })
      const ids = [1, 2, 3].map((n) => `00000000-0000-4000-8000-00000000000${n}`)
      const contents = new Map<string, Buffer>()
      for (const [n, id] of ids.entries()) {
        const path = join(folder, `${id}.jsonl`)
        // large enough that its digests go to the hasher threads
        writeFileSync(path, `${JSON.stringify({ type: "user", sessionId: id, pad: "x".repeat(400_000 + n) })}\n`)
        contents.set(id, readFileSync(path))
        await runAsPromise(
          mirrorTranscript(vault, {
            key: transcriptKeyOf(id) as TranscriptKey,
            meta: { projectKey: "-p", cwd: "/p", host: "h" },
            path
          })
        )
      }
      const cache = await TranscriptCache.open({ roots: [home] })
      const removeAll = () => {
        for (const id of ids) rmSync(join(folder, `${id}.jsonl`), { force: true })
      }
      removeAll()
      const restored = await restoreMissing(vault, cache, home, ids, "/p")
      expect(restored.map((r) => [r.key.sessionId, r.outcome, r.bytes])).toEqual(
        ids.map((id) => [id, "restored", contents.get(id)?.length])
      )
      for (const id of ids)
        expect(readFileSync(join(folder, `${id}.jsonl`)).equals(contents.get(id) as Buffer)).toBe(true)
      // all here: nothing to do
      expect(await restoreMissing(vault, cache, home, ids, "/p")).toEqual([])
      // the middle one damaged in the vault: the others still go back, then its failure is thrown
      const data = join(dir, "vault", ids[1] as string, "transcript", "g0.data")
      const bytes = readFileSync(data)
      bytes[1000] = (bytes[1000] ?? 0) ^ 1
      writeFileSync(data, bytes)
      removeAll()
      const thrown = await restoreMissing(vault, cache, home, ids, "/p").then(
        () => undefined,
        (e: unknown) => e
      )
      expect(isVaultError(thrown) && thrown._tag).toBe("VaultDamaged")
      expect(readdirSync(folder).sort()).toEqual([`${ids[0]}.jsonl`, `${ids[2]}.jsonl`])
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
