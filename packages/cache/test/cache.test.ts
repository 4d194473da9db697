import {
  appendFileSync,
  cpSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  truncateSync,
  writeFileSync
} from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { collectPromise, type Discovery, transcriptsPromiseSource } from "@cc/sources"
import fc from "fast-check"
import { afterEach, beforeEach, describe, expect, it } from "vitest"
import { buildForest, stepArb, writeForest } from "../../sources/test/helpers/forest.js"
import {
  emptyIndex,
  INDEX_VERSION,
  indexedTranscripts,
  indexedTranscriptsPromiseSource,
  indexFileIn,
  refreshIndex,
  serializeIndex,
  TranscriptCache,
  type TranscriptIndexData
} from "../src/index.js"

const fixtures = resolve(import.meta.dirname, "../../../fixtures/real-cli/claude-home")
let dir: string
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "cc-cache-"))
})
afterEach(() => rmSync(dir, { recursive: true, force: true }))

const copyFixtures = () => {
  const root = join(dir, "claude")
  cpSync(fixtures, root, { recursive: true })
  return root
}
const canonical = (ds: Array<Discovery>) =>
  ds
    .filter((d) => d._tag !== "SourceDiagnostic")
    .map((d) =>
      d._tag === "SessionFound"
        ? { ...d, evidence: "", range: undefined }
        : d._tag === "LinkFound"
          ? { ...d, evidence: "" }
          : d
    )
    .map((d) => JSON.stringify(d))
    .sort()
/** The index without what depends on when it was built. */
const comparable = (index: TranscriptIndexData) => ({
  files: Object.fromEntries(indexedTranscripts(index).map((t) => [t.path, { ...t, mtimeMs: 0, birthtimeMs: 0 }])),
  links: Object.fromEntries(
    [...index.folders].map(([k, v]) => [
      k,
      v
        .links()
        .map((l) => JSON.stringify(l))
        .sort()
    ])
  )
})

describe("transcript cache", () => {
  it("answers exactly what a direct scan answers (cache on = cache off)", async () => {
    const root = copyFixtures()
    const direct = await collectPromise(transcriptsPromiseSource({ roots: [root] }))
    const cache = await TranscriptCache.open({ roots: [root] })
    const cached = await collectPromise(indexedTranscriptsPromiseSource(cache))
    expect(canonical(cached)).toEqual(canonical(direct))
  })

  it("refreshes an unchanged tree with one stat per file, and warm lookups read no transcript", async () => {
    const root = copyFixtures()
    const file = indexFileIn(join(dir, "store"))
    const cache = await TranscriptCache.open({ roots: [root], file })
    const first = await cache.refresh()
    expect(first.stats).toMatchObject({ files: 8, added: 8, unchanged: 0 })
    const second = await cache.refresh()
    expect(second.stats).toMatchObject({ files: 8, added: 0, unchanged: 8, appended: 0, reread: 0, foldersRelinked: 0 })
    // a new instance loads the saved index: lookups answer even with the transcripts emptied
    const warm = await TranscriptCache.open({ roots: [root], file })
    expect(warm.rejected).toBeUndefined()
    for (const t of warm.all()) writeFileSync(t.path, "")
    expect(warm.byClaudeId("c1812308-e78e-4adc-996b-5f41f914b13c")).toMatchObject({
      cwd: "/srv/cc-fixtures/app",
      claudeVersion: "2.1.197"
    })
    expect(warm.links()).toHaveLength(3)
  })

  it("parses only appended bytes, and re-reads a truncated or replaced file", async () => {
    const root = copyFixtures()
    const cache = await TranscriptCache.open({ roots: [root] })
    await cache.refresh()
    const id = "c1812308-e78e-4adc-996b-5f41f914b13c"
    const path = cache.byClaudeId(id)?.path as string
    const before = cache.byClaudeId(id)
    appendFileSync(
      path,
      `${JSON.stringify({ type: "user", sessionId: id, uuid: "x-1", timestamp: "2026-11-25T00:00:00.000Z" })}\n{"type":"assist`
    )
    const appended = await cache.refresh()
    expect(appended.stats).toMatchObject({ appended: 1, reread: 0 })
    expect(cache.byClaudeId(id)?.lastTimestamp).toBe("2026-11-25T00:00:00.000Z")
    expect(cache.byClaudeId(id)?.parsedOffset).toBe(readFileSync(path).lastIndexOf(0x0a) + 1)
    expect(cache.byClaudeId(id)?.firstTimestamp).toBe(before?.firstTimestamp)
    truncateSync(path, 100)
    expect((await cache.refresh()).stats).toMatchObject({ reread: 1 })
    const other = cache.byClaudeId("0f0f0f0f-1111-4222-8333-444444444444")?.path as string
    writeFileSync(`${other}.new`, readFileSync(other))
    renameSync(`${other}.new`, other)
    expect((await cache.refresh()).stats).toMatchObject({ reread: 1 })
  })

  it("rebuilds a corrupt, old-version or foreign index instead of trusting it", async () => {
    const root = copyFixtures()
    const file = join(dir, "index.json")
    writeFileSync(file, JSON.stringify({ version: 2, roots: [root], files: {}, links: {}, refreshedAt: "" }))
    expect((await TranscriptCache.open({ roots: [root], file })).rejected).toBe(`version 2 is not ${INDEX_VERSION}`)
    writeFileSync(file, "{corrupt")
    expect((await TranscriptCache.open({ roots: [root], file })).rejected).toBe("not valid JSON")
    writeFileSync(file, serializeIndex({ ...emptyIndex([root]), version: (INDEX_VERSION + 1) as typeof INDEX_VERSION }))
    expect((await TranscriptCache.open({ roots: [root], file })).rejected).toContain("version")
    writeFileSync(file, serializeIndex(emptyIndex(["/elsewhere"])))
    expect((await TranscriptCache.open({ roots: [root], file })).rejected).toBe("built for other roots")
    const cache = await TranscriptCache.open({ roots: [root], file })
    await cache.refresh()
    expect((await TranscriptCache.open({ roots: [root], file })).all()).toHaveLength(8)
  })

  it("reads again a folder whose stored details turn out damaged, and answers for it", async () => {
    const root = copyFixtures()
    const file = join(dir, "index.jsonl")
    await (await TranscriptCache.open({ roots: [root], file })).refresh()
    const lines = readFileSync(file, "utf8").split("\n")
    // line 2 is the first folder's own line: same length, still JSON, no longer the schema
    const damagedLine = `"${"x".repeat(Buffer.byteLength(lines[2] as string) - 2)}"`
    lines[2] = damagedLine
    writeFileSync(file, lines.join("\n"))
    const damaged = await TranscriptCache.open({ roots: [root], file })
    expect(damaged.rejected).toBeUndefined()
    await damaged.ensureFresh()
    expect(damaged.all()).toHaveLength(8)
    // and the repaired index was saved
    expect(readFileSync(file, "utf8").split("\n")[2]).not.toBe(damagedLine)
  })

  it("answers from the index file it opened, even once another process has replaced it", async () => {
    const root = copyFixtures()
    const file = join(dir, "index.jsonl")
    await (await TranscriptCache.open({ roots: [root], file })).refresh()
    const opened = await TranscriptCache.open({ roots: [root], file })
    // another process saves an index that says otherwise, renamed over the file
    writeFileSync(`${file}.other`, serializeIndex(emptyIndex([root])))
    renameSync(`${file}.other`, file)
    expect(opened.byClaudeId("c1812308-e78e-4adc-996b-5f41f914b13c")?.cwd).toBe("/srv/cc-fixtures/app")
    await opened.ensureFresh()
    expect(opened.all()).toHaveLength(8)
    expect(opened.links()).toHaveLength(3)
  })

  it("rejects an index file cut short or with a damaged stamp line", async () => {
    const root = copyFixtures()
    const file = join(dir, "index.jsonl")
    await (await TranscriptCache.open({ roots: [root], file })).refresh()
    const whole = readFileSync(file, "utf8")
    const lines = whole.split("\n")
    writeFileSync(file, lines.slice(0, -1).join("\n"))
    expect((await TranscriptCache.open({ roots: [root], file })).rejected).toBe("does not match the index schema")
    writeFileSync(file, [lines[0], '{"folder":1}', ...lines.slice(2)].join("\n"))
    expect((await TranscriptCache.open({ roots: [root], file })).rejected).toBe(
      "damaged: its stamps line does not match its digest"
    )
    writeFileSync(file, whole)
    expect((await TranscriptCache.open({ roots: [root], file })).all()).toHaveLength(8)
  })
})

type Op =
  | { op: "append"; target: number; minutes: number }
  | { op: "truncate"; target: number }
  | { op: "delete"; target: number }
  | { op: "replace"; target: number }
  | { op: "grow"; steps: Array<Parameters<typeof buildForest>[0][number]> }

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ op: fc.constant("append" as const), target: fc.nat(), minutes: fc.integer({ min: 1, max: 500 }) }),
  fc.record({ op: fc.constant("truncate" as const), target: fc.nat() }),
  fc.record({ op: fc.constant("delete" as const), target: fc.nat() }),
  fc.record({ op: fc.constant("replace" as const), target: fc.nat() }),
  fc.record({ op: fc.constant("grow" as const), steps: fc.array(stepArb, { maxLength: 3 }) })
)

describe("saving the index", () => {
  it("leaves the file behind by a few appended lines, and saves it once re-reading them would cost more", async () => {
    const root = copyFixtures()
    const file = join(dir, "index.jsonl")
    const cache = await TranscriptCache.open({ roots: [root], file })
    await cache.refresh()
    const saved = readFileSync(file)
    const [first] = indexedTranscripts(cache.index)
    if (first === undefined) throw new Error("the fixtures hold transcripts")
    const line = (n: number) =>
      `${JSON.stringify({ type: "assistant", uuid: `live-${n}`, timestamp: "2026-11-30T10:00:00.000Z" })}\n`
    appendFileSync(first.path, line(0))
    const small = await cache.refresh()
    expect(small.stats.appended).toBe(1)
    expect(small.stats.appendedBytes).toBe(line(0).length)
    expect(readFileSync(file).equals(saved)).toBe(true)
    // a new process reads the few appended bytes again and knows what this one knows
    const other = await TranscriptCache.open({ roots: [root], file })
    await other.refresh()
    expect(comparable(other.index)).toEqual(comparable(cache.index))
    // past the share of the index (at least 64 KiB), the file is brought up to date
    appendFileSync(first.path, line(1).repeat(Math.ceil((70 * 1024) / line(1).length)))
    await cache.refresh()
    expect(readFileSync(file).equals(saved)).toBe(false)
    const reloaded = await TranscriptCache.open({ roots: [root], file })
    expect(comparable(reloaded.index)).toEqual(comparable(cache.index))
  })

  it("saves once more than a few files were appended to, however little each grew", async () => {
    const root = copyFixtures()
    const file = join(dir, "index.jsonl")
    const cache = await TranscriptCache.open({ roots: [root], file })
    await cache.refresh()
    const saved = readFileSync(file)
    const paths = indexedTranscripts(cache.index).map((t) => t.path)
    expect(paths.length).toBeGreaterThan(1)
    const line = `${JSON.stringify({ type: "assistant", uuid: "live-x", timestamp: "2026-11-30T10:00:00.000Z" })}\n`
    // one file at a time: the first few are left for the next process to read again
    let appended = 0
    while (readFileSync(file).equals(saved) && appended < 20) {
      appendFileSync(paths[appended % paths.length] ?? "", line.replace("live-x", `live-${appended}`))
      appended++
      await cache.refresh()
    }
    expect(appended).toBe(9)
  })

  it("saves at once what is more than an append: a new, removed or replaced file, an archive mark", async () => {
    const root = copyFixtures()
    const file = join(dir, "index.jsonl")
    const cache = await TranscriptCache.open({ roots: [root], file })
    await cache.refresh()
    const [first] = indexedTranscripts(cache.index)
    if (first === undefined) throw new Error("the fixtures hold transcripts")
    const before = readFileSync(file)
    writeFileSync(`${first.path}.tmp`, readFileSync(first.path))
    renameSync(`${first.path}.tmp`, first.path)
    expect((await cache.refresh()).stats.reread).toBe(1)
    expect(readFileSync(file).equals(before)).toBe(false)
  })
})

describe("incremental index = full rebuild (model-based)", () => {
  it("holds after any sequence of appends, truncations, deletions, replacements and new sessions", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(stepArb, { minLength: 1, maxLength: 8 }),
        fc.array(opArb, { maxLength: 8 }),
        async (steps, ops) => {
          const root = mkdtempSync(join(tmpdir(), "cc-cache-model-"))
          const indexFile = join(root, "index.jsonl")
          try {
            let forest = buildForest(steps)
            writeForest(root, forest)
            let incremental = (await refreshIndex([root])).index
            let allSteps = [...steps]
            let appended = 0
            for (const op of ops) {
              const paths = indexedTranscripts(incremental)
                .map((t) => t.path)
                .sort()
              const path = paths.length === 0 ? undefined : paths[("target" in op ? op.target : 0) % paths.length]
              if (op.op === "grow") {
                allSteps = [...allSteps, ...op.steps]
                const grown = buildForest(allSteps)
                // only the new sessions are written: existing files may have been changed by ops
                const known = new Set(forest.sessions.map((s) => s.id))
                writeForest(root, { sessions: grown.sessions.filter((s) => !known.has(s.id)), links: [] })
                forest = grown
              } else if (path !== undefined) {
                if (op.op === "append") {
                  const at = new Date(Date.UTC(2026, 10, 25) + op.minutes * 60_000).toISOString()
                  // a message uuid is new in every append, as Claude's (random v4) are: the same
                  // uuid appended to two files would be a shared message neither copied
                  appendFileSync(
                    path,
                    `${JSON.stringify({ type: "assistant", uuid: `a-${appended++}-${op.minutes}`, timestamp: at })}\n`
                  )
                } else if (op.op === "truncate") {
                  truncateSync(path, Math.floor(readFileSync(path).length / 2))
                } else if (op.op === "delete") {
                  rmSync(path)
                } else {
                  writeFileSync(`${path}.tmp`, readFileSync(path))
                  renameSync(`${path}.tmp`, path)
                }
              }
              incremental = (await refreshIndex([root], incremental)).index
              const full = (await refreshIndex([root])).index
              expect(comparable(incremental)).toEqual(comparable(full))
              // in one order too, whatever changed (readers that meet an id twice keep the first)
              expect([...incremental.folders.keys()]).toEqual([...full.folders.keys()])
              // and as a new process sees it: the index file (saved, or left behind by a few
              // appended lines) refreshed
              const reopened = await TranscriptCache.open({ roots: [root], file: indexFile })
              await reopened.refresh()
              expect(comparable(reopened.index)).toEqual(comparable(full))
            }
          } finally {
            rmSync(root, { recursive: true, force: true })
          }
        }
      ),
      { numRuns: 40 }
    )
  })
})
