/** The run claim and where a kept transcript goes back to (properties, on the memory vault). */
import { join } from "node:path"
import { projectFolderName } from "@cc/sources"
import { makeMemoryVault, pathInProject, transcriptKeyOf } from "@cc/vault"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { claimRun, releaseClaim, restoreTargetOf, SessionBusy } from "../src/index.js"

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
