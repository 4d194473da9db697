/**
 * The memory of a search (model-based): after any sequence of appends (matching or not),
 * replacements and rewrites in place, what a remembered search answers for each transcript is
 * what a search of the whole file answers now; and it reads nothing of a transcript that did
 * not change, and only what was appended to one that grew.
 */
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { type IndexedTranscript, TranscriptCache } from "@cc/cache"
import { searchMatcher, searchTranscript } from "@cc/sources"
import fc from "fast-check"
import { afterAll, describe, expect, it } from "vitest"
import { SearchMemory } from "../src/actions/search-memory.js"

const base = mkdtempSync(join(tmpdir(), "cc-search-memory-"))
afterAll(() => rmSync(base, { recursive: true, force: true }))
const IDS = ["11111111-aaaa-4bbb-8ccc-000000000001", "11111111-aaaa-4bbb-8ccc-000000000002"]
let clock = Date.UTC(2026, 10, 1)
const message = (id: string, type: "user" | "assistant", text: string) => {
  clock += 60_000
  return `${JSON.stringify({ type, uuid: `u-${clock}`, sessionId: id, cwd: "/srv/p", timestamp: new Date(clock).toISOString(), message: { role: type, content: type === "user" ? text : [{ type: "text", text }] } })}\n`
}

type Op =
  | { readonly op: "append"; readonly file: number; readonly text: string }
  | { readonly op: "replace"; readonly file: number; readonly text: string }
  | { readonly op: "rewrite"; readonly file: number }
  | { readonly op: "search" }
const words = fc.constantFrom("needle here", "a NEEDLE", "nothing", "hay", "needles and pins")
const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ op: fc.constant("append" as const), file: fc.nat(1), text: words }),
  fc.record({ op: fc.constant("replace" as const), file: fc.nat(1), text: words }),
  fc.record({ op: fc.constant("rewrite" as const), file: fc.nat(1) }),
  fc.constant({ op: "search" as const })
)

let worlds = 0
describe("the memory of a search", () => {
  it("answers what searching each whole file answers, after any changes", async () => {
    const matcher = searchMatcher("needle")
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 12 }), async (ops) => {
        const home = join(base, `home-${++worlds}`)
        const folder = join(home, "projects", "-srv-p")
        mkdirSync(folder, { recursive: true })
        const paths = IDS.map((id) => join(folder, `${id}.jsonl`))
        for (const [i, path] of paths.entries()) writeFileSync(path, message(IDS[i] ?? "", "user", "first prompt"))
        const file = join(base, `memory-${worlds}.jsonl`)
        const cache = await TranscriptCache.open({ roots: [home] })
        for (const op of [...ops, { op: "search" as const }]) {
          if (op.op !== "search") {
            const path = paths[op.file] ?? ""
            const id = IDS[op.file] ?? ""
            if (op.op === "append") appendFileSync(path, message(id, "assistant", op.text))
            if (op.op === "replace") {
              writeFileSync(`${path}.tmp`, message(id, "user", op.text))
              renameSync(`${path}.tmp`, path)
            }
            // the first line changed in place, same inode
            if (op.op === "rewrite")
              writeFileSync(path, readFileSync(path, "utf8").replace("first prompt", "FIRST PROMPT"))
            continue
          }
          await cache.refresh()
          const memory = SearchMemory.open(file, "needle", false)
          for (const id of IDS) {
            const t = cache.byClaudeId(id) as IndexedTranscript
            const remembered = await memory.newestHit(t, matcher)
            expect(remembered).toEqual((await searchTranscript(t.path, matcher)).at(-1))
          }
          memory.save()
        }
      }),
      { numRuns: 60 }
    )
  })

  it("reads nothing of an unchanged transcript, and only the appended bytes of a grown one", async () => {
    const home = join(base, "reads")
    const folder = join(home, "projects", "-srv-p")
    mkdirSync(folder, { recursive: true })
    const id = IDS[0] ?? ""
    const path = join(folder, `${id}.jsonl`)
    writeFileSync(path, message(id, "user", "find the needle"))
    const cache = await TranscriptCache.open({ roots: [home] })
    await cache.refresh()
    const t = cache.byClaudeId(id) as IndexedTranscript
    const file = join(base, "reads-memory.jsonl")
    const matcher = searchMatcher("needle")
    const first = SearchMemory.open(file, "needle", false)
    const hit = await first.newestHit(t, matcher)
    expect(hit?.snippet).toBe("find the needle")
    first.save()
    // the file blanked out, its stamps as the index has them: answered from memory (a read
    // would find nothing there now)
    const before = readFileSync(path)
    writeFileSync(path, Buffer.concat([Buffer.alloc(before.length - 1, 0x20), Buffer.from("\n")]))
    const again = SearchMemory.open(file, "needle", false)
    expect(await again.newestHit(t, matcher)).toEqual(hit)
    // grown by a line without the text: only the appended bytes are read, so the old hit stands
    appendFileSync(path, message(id, "assistant", "nothing here"))
    const grown = { ...t, size: readFileSync(path).length }
    expect(await again.newestHit(grown, matcher)).toEqual(hit)
    // a line with it appended: the newer hit
    appendFileSync(path, message(id, "assistant", "another needle"))
    expect((await again.newestHit({ ...t, size: readFileSync(path).length }, matcher))?.snippet).toBe("another needle")
    // another search's memory is its own
    expect(await SearchMemory.open(file, "hay", false).newestHit(t, searchMatcher("hay"))).toBeUndefined()
  })
})
