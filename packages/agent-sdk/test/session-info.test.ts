/** A row as the SDK lists it, and the listing options on rows (properties). */
import { ClaudeSessionId, StableId } from "@cc/events"
import type { ChainRow } from "@cc/resolver"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { bySdkOrder, listed, sessionInfoOf } from "../src/session-info.js"

const idArb = fc.uuid({ version: 4 }).map((u) => ClaudeSessionId.make(u))
const text = fc.option(fc.stringMatching(/^[a-z ]{0,12}$/), { nil: null })
const rowArb: fc.Arbitrary<ChainRow> = fc
  .record({
    ids: fc.uniqueArray(idArb, { minLength: 1, maxLength: 3 }),
    stable: fc.option(
      fc.uuid({ version: 4 }).map((u) => StableId.make(`cc-session-${u}`)),
      { nil: null }
    ),
    title: text,
    customTitle: text,
    firstPrompt: text,
    tag: text,
    cwd: fc.option(fc.constantFrom("/w/a", "/w/b"), { nil: null }),
    first: fc.option(
      fc.date({ noInvalidDate: true, min: new Date(0) }).map((d) => d.toISOString()),
      { nil: null }
    ),
    lastModified: fc.nat(50),
    bytes: fc.nat(),
    programmatic: fc.boolean(),
    archived: fc.option(fc.boolean(), { nil: null })
  })
  .map((r) => ({
    id: r.stable,
    status: r.stable === null ? "unknown" : "finished",
    claudeSessionIds: r.ids,
    latestClaudeSessionId: r.ids.at(-1) as ClaudeSessionId,
    forkedFrom: null,
    cwd: r.cwd,
    host: "h",
    firstActivity: r.first,
    lastActivity: r.first,
    lastModified: r.lastModified,
    claudeVersion: null,
    transcriptBytes: r.bytes,
    label: null,
    title: r.title,
    customTitle: r.customTitle,
    firstPrompt: r.firstPrompt,
    gitBranch: null,
    tag: r.tag,
    entrypoint: null,
    programmatic: r.programmatic,
    prLinks: [],
    subagents: 0,
    archived: r.archived
  }))

describe("a row as the SDK lists it", () => {
  it("is the chain's latest member, with the whole chain, a summary, and no field the row does not have", () => {
    fc.assert(
      fc.property(rowArb, (row) => {
        const info = sessionInfoOf(row)
        const summary = row.title ?? row.firstPrompt
        if (summary === null || summary === "") {
          expect(info).toBeUndefined()
          return
        }
        expect(info?.sessionId).toBe(row.latestClaudeSessionId)
        expect(info?.claudeSessionIds).toEqual(row.claudeSessionIds)
        expect(info?.summary).toBe(summary)
        expect(info?.stableId).toBe(row.id)
        for (const [field, value] of [
          ["customTitle", row.customTitle],
          ["firstPrompt", row.firstPrompt],
          ["cwd", row.cwd],
          ["archived", row.archived]
        ] as const)
          expect(info !== undefined && field in info).toBe(value !== null)
        expect(info !== undefined && "tag" in info).toBe(row.tag !== null && row.tag !== "")
        expect(info?.createdAt).toBe(row.firstActivity === null ? undefined : Date.parse(row.firstActivity))
      })
    )
  })

  it("pages as the SDK does: pages end to end are the whole listing, a filter only leaves rows out", () => {
    fc.assert(
      fc.property(
        fc.array(rowArb, { maxLength: 12 }),
        fc.integer({ min: 1, max: 5 }),
        fc.boolean(),
        (rows, size, ide) => {
          const infos = rows.flatMap((r) => sessionInfoOf(r) ?? []).sort(bySdkOrder)
          const whole = listed(infos, { includeProgrammatic: ide })
          const pages = []
          for (let offset = 0; offset < whole.length + size; offset += size)
            pages.push(...listed(infos, { includeProgrammatic: ide, offset, limit: size }))
          expect(pages).toEqual(whole)
          expect(whole.every((r) => ide || !r.programmatic)).toBe(true)
          const inA = listed(infos, { dirs: new Set(["/w/a"]) })
          expect(inA).toEqual(infos.filter((r) => r.cwd === "/w/a"))
          // the order: newest first, ties by the greater id
          for (let i = 1; i < whole.length; i++)
            expect(bySdkOrder(whole[i - 1] as never, whole[i] as never)).toBeLessThanOrEqual(0)
        }
      )
    )
  })
})
