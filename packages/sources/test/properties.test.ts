import { mkdtempSync, rmSync } from "node:fs"
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
