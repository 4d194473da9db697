/**
 * Claude's and the SDK's records in the index (issue 20): a rename, tag or clear appended after
 * the index was built is seen by the next refresh, however far from the end of the file it is
 * by then (appended bytes are read line by line, not only the tail), and a reopened index
 * keeps what it knew.
 */
import { appendFileSync, cpSync, mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { sessionTitle } from "@cc/sources"
import fc from "fast-check"
import { afterAll, describe, expect, it } from "vitest"
import { TranscriptCache } from "../src/index.js"

const fixtureHome = resolve(import.meta.dirname, "../../../fixtures/records-2.1.332/claude-home")
const base = mkdtempSync(join(tmpdir(), "cc-cache-records-"))
afterAll(() => rmSync(base, { recursive: true, force: true }))
const ID = "c7adff14-cb29-48b9-bfcb-692e562fc230"
let n = 0

describe("records in the transcript index", () => {
  it("a refresh sees each record appended since, in order, though later messages push it out of the tail", async () => {
    const step = fc.oneof(
      fc.stringMatching(/^[a-z]{1,8}$/).map((t) => ({ type: "custom-title" as const, customTitle: t, sessionId: ID })),
      fc.constantFrom("x", "y", "").map((t) => ({ type: "tag" as const, tag: t, sessionId: ID })),
      fc.nat(40).map((k) => ({ messages: k }))
    )
    await fc.assert(
      fc.asyncProperty(fc.array(fc.array(step, { maxLength: 4 }), { minLength: 1, maxLength: 4 }), async (rounds) => {
        const home = join(base, `h${++n}`)
        cpSync(fixtureHome, home, { recursive: true })
        const file = join(base, `index-${n}.json`)
        const path = join(home, "projects", "-srv-cc-fixtures-app", `${ID}.jsonl`)
        let title: string | undefined = "renamed by the sdk"
        let tag: string | null | undefined = "wip"
        const cache = await TranscriptCache.open({ roots: [home], file })
        await cache.refresh()
        for (const round of rounds) {
          for (const s of round) {
            if ("messages" in s) {
              const line = JSON.stringify({
                type: "assistant",
                uuid: `m-${n}`,
                timestamp: "2026-12-01T13:00:00.000Z",
                message: { content: "x".repeat(400) }
              })
              appendFileSync(path, `${`${line}\n`.repeat(s.messages)}`)
            } else {
              appendFileSync(path, `${JSON.stringify(s)}\n`)
              if ("customTitle" in s) title = s.customTitle
              else tag = s.tag === "" ? null : s.tag
            }
          }
          await cache.refresh()
          const t = cache.byClaudeId(ID as never)
          expect(t === undefined ? undefined : sessionTitle(t.records)).toBe(title)
          expect(t?.records.tag).toBe(tag)
        }
        // a new process opening the saved index knows the same
        const reopened = await TranscriptCache.open({ roots: [home], file })
        await reopened.refresh()
        expect(reopened.byClaudeId(ID as never)?.records.tag).toBe(tag)
      }),
      { numRuns: 15 }
    )
  })
})
