import * as Effect from "effect/Effect"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { eventListArb } from "../src/arbitraries.js"
import {
  decodeFoldSnapshot,
  encodeFoldSnapshot,
  FOLD_VERSION,
  type FoldSnapshot,
  fold,
  foldLog,
  makeMemoryStore
} from "../src/index.js"

const snapshotOf = (events: Parameters<typeof fold>[0]): FoldSnapshot => ({
  foldVersion: FOLD_VERSION,
  nextOffset: 7,
  events: 6,
  last: { offset: 6, id: "e-00000000006" },
  diagnostics: [{ _tag: "SkippedLine", offset: 3, length: 9, reason: "not valid JSON" }],
  state: fold(events)
})

type Json = null | boolean | number | string | Array<Json> | { [key: string]: Json }

/** Every leaf of a JSON value, as a path. */
const leaves = (value: Json, path: Array<string | number> = []): Array<Array<string | number>> => {
  if (value === null || typeof value !== "object") return [path]
  const entries: Array<[string | number, Json]> = Array.isArray(value)
    ? value.map((v, i) => [i, v])
    : Object.entries(value)
  return entries.flatMap(([k, v]) => leaves(v, [...path, k]))
}

const setAt = (value: Json, path: ReadonlyArray<string | number>, to: Json): void => {
  let node = value as Record<string | number, Json>
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, Json>
  node[path.at(-1) as string | number] = to
}

describe("fold snapshots", () => {
  it("round-trip: what is encoded decodes to the same snapshot", () => {
    fc.assert(
      fc.property(eventListArb(), (events) => {
        const snapshot = snapshotOf(events)
        const decoded = decodeFoldSnapshot(encodeFoldSnapshot(snapshot))
        expect(decoded).toEqual({ _tag: "Snapshot", snapshot })
      })
    )
  })

  it("refuses a snapshot with any leaf of the wrong kind (a string for a number, a number for a string, …)", () => {
    fc.assert(
      fc.property(
        eventListArb().filter((events) => events.length > 0),
        fc.nat(),
        (events, pick) => {
          const value = JSON.parse(encodeFoldSnapshot(snapshotOf(events))) as Json
          const paths = leaves(value).filter((p) => p.length > 0)
          const path = paths[pick % paths.length] as Array<string | number>
          let node = value as Record<string | number, Json>
          for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, Json>
          const leaf = node[path.at(-1) as string | number] as Json
          setAt(value, path, typeof leaf === "string" ? 1 : leaf === null ? "x" : "1")
          expect(decodeFoldSnapshot(JSON.stringify(value))._tag).toBe("Refused")
        }
      )
    )
  })

  it("refuses facts filed under a key not their own, another fold version, and text that is not JSON", () => {
    fc.assert(
      fc.property(
        eventListArb().filter((events) => events.some((e) => e.type === "claude.observed" || e.type === "run.started")),
        (events) => {
          const encoded = encodeFoldSnapshot(snapshotOf(events))
          const value = JSON.parse(encoded)
          const sessions = value.state.sessions as Record<string, Record<string, Record<string, unknown>>>
          const [sessionKey, record] = Object.entries(sessions)[0] as [string, Record<string, Record<string, unknown>>]
          // moved to another key
          const moved = JSON.parse(encoded)
          delete moved.state.sessions[sessionKey]
          moved.state.sessions[`${sessionKey.slice(0, -1)}${sessionKey.endsWith("0") ? "1" : "0"}`] = record
          expect(decodeFoldSnapshot(JSON.stringify(moved))._tag).toBe("Refused")
          for (const facts of ["claude", "runs"] as const) {
            const [factKey] = Object.keys(record[facts] ?? {})
            if (factKey === undefined) continue
            const refiled = JSON.parse(encoded)
            const fact = refiled.state.sessions[sessionKey][facts][factKey]
            delete refiled.state.sessions[sessionKey][facts][factKey]
            refiled.state.sessions[sessionKey][facts][`${factKey}x`] = fact
            expect(decodeFoldSnapshot(JSON.stringify(refiled))._tag).toBe("Refused")
          }
          expect(decodeFoldSnapshot(JSON.stringify({ ...value, foldVersion: FOLD_VERSION + 1 }))).toMatchObject({
            _tag: "Refused",
            reason: expect.stringContaining("fold version")
          })
          expect(decodeFoldSnapshot(encoded.slice(0, -1))._tag).toBe("Refused")
        }
      )
    )
  })

  it("foldLog on a store that keeps snapshots: resumes from the newest and equals the fold of everything", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(eventListArb(8), { maxLength: 5 }), fc.nat(10), async (batches, after) => {
        const store = makeMemoryStore()
        const all = []
        let snapshotAt: number | undefined
        for (const batch of batches) {
          await Effect.runPromise(store.append(batch))
          all.push(...batch)
          const folded = await Effect.runPromise(foldLog(store, { snapshotAfter: after, minEventsPerSession: 0 }))
          expect(folded.resumedFrom).toBe(snapshotAt)
          expect(folded.folder.state()).toEqual(fold(all))
          if (folded.saved) snapshotAt = folded.nextOffset
        }
      }),
      { numRuns: 50 }
    )
  })
})
