import { readFileSync } from "node:fs"
import { join, resolve } from "node:path"
import { describe, expect, it } from "vitest"
import {
  collectPromise,
  detachedLogPromiseSource,
  type LinkFound,
  type SessionFound,
  transcriptsPromiseSource
} from "../src/index.js"

// fixtures/recorded is written by tools/record-fixtures.mjs with the real CLI; chains.json
// holds the links it made on purpose (a 2.1.x fork, a 1.0.30 resume chain).
const recorded = resolve(import.meta.dirname, "../../../fixtures/recorded")
const truth = JSON.parse(readFileSync(join(recorded, "chains.json"), "utf8")) as {
  links: Array<{ from: string; to: string; kind: string }>
  logs: Record<string, string | null>
}

describe("fixtures recorded by tools/record-fixtures.mjs", () => {
  it("recovers exactly the links the recorder made, with no diagnostics", async () => {
    const found = await collectPromise(transcriptsPromiseSource({ roots: [join(recorded, "claude-home")] }))
    expect(found.filter((d) => d._tag === "SourceDiagnostic")).toEqual([])
    const got = found
      .filter((d): d is LinkFound => d._tag === "LinkFound")
      .map(({ from, to, kind }) => `${from}>${to}:${kind}`)
      .sort()
    expect(got).toEqual(truth.links.map(({ from, to, kind }) => `${from}>${to}:${kind}`).sort())
  })

  it("reads from every stream log the id its system/init line carried", async () => {
    for (const [log, id] of Object.entries(truth.logs)) {
      const found = await collectPromise(detachedLogPromiseSource(), { logPath: join(recorded, "logs", log) })
      const ids = found.filter((d): d is SessionFound => d._tag === "SessionFound").map((s) => s.claudeSessionId)
      expect(ids, log).toEqual(id === null ? [] : [id])
    }
  })
})
