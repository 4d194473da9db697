import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import {
  collectPromise,
  decodeSidecar,
  type LinkFound,
  parseStreamLine,
  parseTranscriptLine,
  readTranscriptTail,
  type SessionFound,
  transcriptsPromiseSource
} from "../src/index.js"
import { buildForest, stepArb, writeForest } from "./helpers/forest.js"

const anyText = fc.oneof(
  fc.string(),
  fc.uint8Array({ maxLength: 200 }).map((bytes) => Buffer.from(bytes).toString("utf8")),
  fc.jsonValue().map((v) => JSON.stringify(v)),
  fc.record({ type: fc.string(), session_id: fc.string(), uuid: fc.string() }).map((v) => JSON.stringify(v))
)

describe("parsers never throw", () => {
  it("transcript lines, stream-json lines and sidecars, on arbitrary input", () => {
    fc.assert(
      fc.property(anyText, (text) => {
        expect(["Ok", "Bad"]).toContain(parseTranscriptLine(text)._tag)
        expect(["Init", "Result", "Message", "Text", "Bad"]).toContain(parseStreamLine(text)._tag)
        expect(["Ok", "Invalid"]).toContain(decodeSidecar(text)._tag)
      }),
      { numRuns: 10_000 }
    )
  })
})

describe("link recovery", () => {
  it("recovers every resume and fork link of generated forests of both generations", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(stepArb, { minLength: 1, maxLength: 14 }), async (steps) => {
        const forest = buildForest(steps)
        const root = mkdtempSync(join(tmpdir(), "cc-forest-"))
        try {
          writeForest(root, forest)
          const found = await collectPromise(transcriptsPromiseSource({ roots: [root] }))
          expect(found.filter((d) => d._tag === "SourceDiagnostic")).toEqual([])
          const ids = found.filter((d): d is SessionFound => d._tag === "SessionFound").map((s) => s.claudeSessionId)
          expect(ids.sort()).toEqual(forest.sessions.map((s) => s.id).sort())
          const got = found
            .filter((d): d is LinkFound => d._tag === "LinkFound")
            .map(({ from, to, kind }) => `${from}>${to}:${kind}`)
            .sort()
          expect(got).toEqual(forest.links.map(({ from, to, kind }) => `${from}>${to}:${kind}`).sort())
        } finally {
          rmSync(root, { recursive: true, force: true })
        }
      }),
      { numRuns: 60 }
    )
  })
})

type TailLine =
  | { readonly kind: "message"; readonly uuid: string; readonly at: number; readonly pad: number }
  | { readonly kind: "untimed"; readonly pad: number }
  | { readonly kind: "last-prompt"; readonly leaf: string }

const tailLineArb: fc.Arbitrary<TailLine> = fc.oneof(
  fc.record({
    kind: fc.constant("message" as const),
    uuid: fc.uuid(),
    at: fc.integer({ min: 0, max: 10_000 }),
    pad: fc.oneof(fc.integer({ min: 0, max: 300 }), fc.integer({ min: 5_000, max: 30_000 }))
  }),
  fc.record({ kind: fc.constant("untimed" as const), pad: fc.integer({ min: 0, max: 12_000 }) }),
  fc.record({ kind: fc.constant("last-prompt" as const), leaf: fc.uuid() })
)

const renderTailLine = (line: TailLine): string =>
  line.kind === "message"
    ? JSON.stringify({
        type: "assistant",
        uuid: line.uuid,
        message: { content: "x".repeat(line.pad) },
        timestamp: new Date(Date.UTC(2026, 0, 1) + line.at * 1000).toISOString()
      })
    : line.kind === "untimed"
      ? JSON.stringify({ type: "queue-operation", content: "y".repeat(line.pad) })
      : JSON.stringify({ type: "last-prompt", lastPrompt: "p", leafUuid: line.leaf })

describe("tail reading (property)", () => {
  it("finds the newest timestamp and the last uuids among whole lines of the smallest window that has one", async () => {
    const dir = mkdtempSync(join(tmpdir(), "cc-tail-"))
    try {
      let n = 0
      await fc.assert(
        fc.asyncProperty(fc.array(tailLineArb, { maxLength: 25 }), fc.boolean(), async (lines, torn) => {
          const texts = lines.map(renderTailLine)
          const body = `${texts.map((t) => `${t}\n`).join("")}${torn ? '{"type":"assistant","timestamp":"2030' : ""}`
          const path = join(dir, `t${n++}.jsonl`)
          writeFileSync(path, body)
          // the model: windows of 8 KiB, 64 KiB, 512 KiB, 1 MiB from the end; a line counts if
          // it is whole inside the window and ends with a newline
          const size = Buffer.byteLength(body)
          const ends: Array<{ start: number; end: number; line: TailLine }> = []
          let offset = 0
          for (const [i, t] of texts.entries()) {
            const length = Buffer.byteLength(t)
            ends.push({ start: offset, end: offset + length, line: lines[i] as TailLine })
            offset += length + 1
          }
          let expected: { last?: string; uuids: Array<string> } = { uuids: [] }
          for (const window of [8 * 1024, 64 * 1024, 512 * 1024, 1024 * 1024]) {
            const from = Math.max(0, size - window)
            // a line starting exactly at the window's start is still taken as cut, unless at 0
            const whole = ends.filter((e) => (from === 0 ? e.start >= 0 : e.start > from))
            const timed = whole.flatMap((e) => (e.line.kind === "message" ? [e.line] : []))
            const last = timed.reduce<number | undefined>((m, l) => (m === undefined || l.at > m ? l.at : m), undefined)
            expected = {
              ...(last === undefined ? {} : { last: new Date(Date.UTC(2026, 0, 1) + last * 1000).toISOString() }),
              uuids: whole.flatMap((e) =>
                e.line.kind === "message" ? [e.line.uuid] : e.line.kind === "last-prompt" ? [e.line.leaf] : []
              )
            }
            if (last !== undefined || from === 0) break
          }
          const tail = await readTranscriptTail(path)
          expect(tail.lastTimestamp).toBe(expected.last)
          expect(tail.tailUuids).toEqual(expected.uuids)
          expect(tail.completeEnd).toBe(offset)
        }),
        { numRuns: 150 }
      )
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
