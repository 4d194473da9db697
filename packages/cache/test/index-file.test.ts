/**
 * The index file format's own properties: what is saved is what is loaded, and an index file
 * damaged anywhere (a cut, a flipped byte) is never trusted for an answer it cannot give: it
 * is rejected whole, or the folders it cannot vouch for are read again.
 */
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { buildForest, stepArb, writeForest } from "../../sources/test/helpers/forest.js"
import {
  emptyIndex,
  indexedLinks,
  indexedTranscripts,
  loadIndexFile,
  refreshIndex,
  saveIndexFile,
  TranscriptCache,
  type TranscriptIndexData
} from "../src/index.js"

/** What an index says, in a form two indexes of the same files share. */
const said = (index: TranscriptIndexData) => ({
  files: indexedTranscripts(index)
    .map((t) => JSON.stringify(t))
    .sort(),
  links: indexedLinks(index)
    .map((l) => JSON.stringify(l))
    .sort()
})

const world = (steps: Parameters<typeof buildForest>[0], scramble: number) => {
  const dir = mkdtempSync(join(tmpdir(), "cc-index-file-"))
  const root = join(dir, "claude")
  writeForest(root, buildForest(steps, { scramble }))
  return { dir, root, file: join(dir, "index.jsonl") }
}

describe("the index file (properties)", () => {
  it("loads exactly what was saved", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(stepArb, { minLength: 1, maxLength: 12 }), fc.nat(), async (steps, scramble) => {
        const w = world(steps, scramble)
        try {
          const { index } = await refreshIndex([w.root], emptyIndex([w.root]))
          await saveIndexFile(w.file, index)
          expect(statSync(w.file).mode & 0o777).toBe(0o600)
          const loaded = await loadIndexFile(w.file, [w.root])
          expect(loaded._tag).toBe("Loaded")
          if (loaded._tag === "Loaded") expect(said(loaded.index)).toEqual(said(index))
          // saved again unchanged, byte for byte the same file
          const before = readFileSync(w.file)
          if (loaded._tag === "Loaded") await saveIndexFile(w.file, loaded.index)
          expect(readFileSync(w.file).equals(before)).toBe(true)
        } finally {
          rmSync(w.dir, { recursive: true, force: true })
        }
      }),
      { numRuns: 40 }
    )
  })

  it("damaged anywhere, it never gives an answer a rebuild would not", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(stepArb, { minLength: 1, maxLength: 10 }),
        fc.nat(),
        fc.oneof(
          fc.record({ kind: fc.constant("cut" as const), at: fc.nat() }),
          fc.record({ kind: fc.constant("flip" as const), at: fc.nat(), bits: fc.integer({ min: 1, max: 255 }) })
        ),
        async (steps, scramble, damage) => {
          const w = world(steps, scramble)
          try {
            const truth = await TranscriptCache.open({ roots: [w.root] })
            await truth.ensureFresh()
            const { index } = await refreshIndex([w.root], emptyIndex([w.root]))
            await saveIndexFile(w.file, index)
            const bytes = readFileSync(w.file)
            const at = damage.at % bytes.length
            if (damage.kind === "cut") writeFileSync(w.file, bytes.subarray(0, at))
            else {
              bytes[at] = (bytes[at] as number) ^ damage.bits
              writeFileSync(w.file, bytes)
            }
            const cache = await TranscriptCache.open({ roots: [w.root], file: w.file })
            await cache.ensureFresh()
            expect(said(cache.index)).toEqual(said(truth.index))
          } finally {
            rmSync(w.dir, { recursive: true, force: true })
          }
        }
      ),
      { numRuns: 150 }
    )
  })
})
