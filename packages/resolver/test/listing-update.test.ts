/**
 * The kept `ls --all` listing brought up to date (model-based): over generated worlds of both
 * CLI generations, changed step by step the ways a machine changes them (a live session's
 * appends, new sessions, resumes and forks, a title, an archive mark, a transcript removed or
 * replaced, a copy in a second Claude home, an adoption in the event log), the listing a store
 * keeps and updates is byte for byte the one a fresh store makes, and the update that makes
 * only the changed folders' rows again gives exactly that too.
 */
import {
  appendFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  unlinkSync,
  writeFileSync
} from "node:fs"
import { tmpdir } from "node:os"
import { dirname, join } from "node:path"
import { indexFileIn, TranscriptCache } from "@cc/cache"
import { type ClaudeSessionId, makeEvent, newStableId } from "@cc/events"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { buildForest, type Forest, type Step, stepArb } from "../../sources/test/helpers/forest.js"
import { listingCacheFile, listingKeys, readListing } from "../src/listing/kept.js"
import { allChains, updatedListing } from "../src/listing/listing.js"
import type { ListingSource } from "../src/listing/source.js"
import { openResolver } from "../src/open.js"

/** What `allChains` reads: a store, the Claude homes, nowhere to print. */
const contextFor = (storeDir: string, claudeHomes: ReadonlyArray<string>): ListingSource => {
  let opening: ReturnType<ListingSource["open"]> | undefined
  return {
    storeDir,
    sharedLog: false,
    claudeHomes,
    warn: () => undefined,
    open: () => {
      opening ??= openResolver({ storeDir, claudeHomes, useGit: false })
      return opening
    }
  }
}

type Move =
  | { readonly op: "grow"; readonly steps: ReadonlyArray<Step> }
  | { readonly op: "append"; readonly pick: number }
  | { readonly op: "title"; readonly pick: number; readonly title: string }
  | { readonly op: "archive"; readonly pick: number; readonly archived: boolean }
  | { readonly op: "remove"; readonly pick: number }
  | { readonly op: "replace"; readonly pick: number }
  | { readonly op: "copy"; readonly pick: number }
  | { readonly op: "adopt"; readonly pick: number }
  | { readonly op: "nothing" }

const moveArb: fc.Arbitrary<Move> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({ op: fc.constant("grow" as const), steps: fc.array(stepArb, { minLength: 1, maxLength: 3 }) })
  },
  { weight: 4, arbitrary: fc.record({ op: fc.constant("append" as const), pick: fc.nat() }) },
  {
    weight: 1,
    arbitrary: fc.record({ op: fc.constant("title" as const), pick: fc.nat(), title: fc.string({ maxLength: 12 }) })
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("archive" as const), pick: fc.nat(), archived: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("remove" as const), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("replace" as const), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("copy" as const), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("adopt" as const), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.constant({ op: "nothing" as const }) }
)

const folderOf = (home: string, cwd: string) => join(home, "projects", cwd.replace(/[/.]/g, "-"))
const textOf = (s: Forest["sessions"][number]) => `${s.lines.map((l) => JSON.stringify(l)).join("\n")}\n`

/**
 * Writes what the forest adds: new files whole, a 2.1.x resume as the lines appended to its
 * file. A file removed or replaced since is left as it is: Claude appends new messages to a
 * replaced file, never the history it had before (which would make it a fork's parent again).
 */
const writeGrowth = (home: string, forest: Forest, leftAlone: ReadonlySet<string>) => {
  for (const s of forest.sessions) {
    if (leftAlone.has(s.id)) continue
    const path = join(folderOf(home, s.cwd), `${s.id}.jsonl`)
    const text = textOf(s)
    const old = existsSync(path) ? readFileSync(path, "utf8") : undefined
    if (old === text) continue
    mkdirSync(dirname(path), { recursive: true })
    if (old !== undefined && text.startsWith(old)) appendFileSync(path, text.slice(old.length))
    else if (old === undefined) writeFileSync(path, text)
  }
}

describe("the kept ls --all listing, brought up to date (model-based)", () => {
  it("is byte for byte the listing a fresh store makes, after every change", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(stepArb, { minLength: 1, maxLength: 6 }),
        fc.array(moveArb, { minLength: 1, maxLength: 8 }),
        fc.nat(),
        async (first, moves, scramble) => {
          const dir = mkdtempSync(join(tmpdir(), "cc-listing-"))
          const home = join(dir, "claude")
          const second = join(dir, "claude-2")
          const homes = [home, second]
          const store = join(dir, "store")
          let steps = [...first]
          let forest = buildForest(steps, { scramble })
          const removed = new Set<string>()
          const leftAlone = new Set<string>()
          let clock = Date.UTC(2026, 11, 1)
          const later = () => {
            clock += 60_000
            return new Date(clock).toISOString()
          }
          try {
            mkdirSync(second, { recursive: true })
            writeGrowth(home, forest, leftAlone)
            await allChains(contextFor(store, homes))
            let updates = 0
            for (const move of moves) {
              const live = forest.sessions.filter((s) => !removed.has(s.id))
              const target = live.length === 0 ? undefined : live[("pick" in move ? move.pick : 0) % live.length]
              const path = target === undefined ? undefined : join(folderOf(home, target.cwd), `${target.id}.jsonl`)
              if (move.op === "grow") {
                steps = [...steps, ...move.steps]
                forest = buildForest(steps, { scramble })
                writeGrowth(home, forest, leftAlone)
              } else if (target !== undefined && path !== undefined) {
                const line = (record: Record<string, unknown>) =>
                  appendFileSync(path, `${JSON.stringify({ ...record, sessionId: target.id })}\n`)
                if (move.op === "append")
                  line({
                    type: "assistant",
                    uuid: `live-${clock}`,
                    timestamp: later(),
                    message: { role: "assistant", content: [{ type: "text", text: "more" }] }
                  })
                if (move.op === "title") line({ type: "custom-title", customTitle: move.title })
                if (move.op === "archive") {
                  mkdirSync(join(dirname(path), target.id), { recursive: true })
                  writeFileSync(
                    join(dirname(path), target.id, "archived.json"),
                    JSON.stringify({ archived: move.archived, at: later(), by: "test" })
                  )
                }
                if (move.op === "remove") {
                  unlinkSync(path)
                  removed.add(target.id)
                  leftAlone.add(target.id)
                }
                if (move.op === "replace") {
                  writeFileSync(path, readFileSync(path, "utf8").split("\n").slice(0, 1).join("\n").concat("\n"))
                  leftAlone.add(target.id)
                }
                if (move.op === "copy") {
                  const copy = join(folderOf(second, target.cwd), `${target.id}.jsonl`)
                  mkdirSync(dirname(copy), { recursive: true })
                  cpSync(path, copy)
                }
                if (move.op === "adopt") {
                  const { resolver, log } = await openResolver({ storeDir: store, claudeHomes: homes, useGit: false })
                  const id = newStableId()
                  await log.append([makeEvent("session.opened", id, { cwd: target.cwd, mode: "interactive" })])
                  await resolver.adopt(id, target.id as ClaudeSessionId, { resolvedBy: "recover", confidence: 1 })
                }
              }
              // a fresh store with the same event log: no index, no kept listing
              const freshStore = join(dir, `fresh-${clock++}`)
              mkdirSync(freshStore, { recursive: true })
              if (existsSync(join(store, "events.jsonl")))
                cpSync(join(store, "events.jsonl"), join(freshStore, "events.jsonl"))
              const fresh = await allChains(contextFor(freshStore, homes))
              // the update alone, from the listing kept so far
              const kept = readListing(listingCacheFile(store))
              const cache = await TranscriptCache.open({ roots: homes, file: indexFileIn(store) })
              await cache.refresh()
              if (
                kept !== undefined &&
                kept.keys.logKey === listingKeys(store, homes, cache.folderFingerprints()).logKey
              ) {
                const updated = updatedListing(kept, cache)
                expect(updated).toBeDefined()
                expect(updated?.rows.toString()).toBe(fresh.rows.toString())
                updates++
              }
              // and as ls --all serves it (kept, updated or made again)
              const served = await allChains(contextFor(store, homes))
              expect(served.rows.toString()).toBe(fresh.rows.toString())
              expect(served.archivedRows).toBe(fresh.archivedRows)
            }
            // a world the log never changed in is always served by updates
            if (!moves.some((m) => m.op === "adopt")) expect(updates).toBe(moves.length)
          } finally {
            rmSync(dir, { recursive: true, force: true })
          }
        }
      ),
      { numRuns: 60 }
    )
  })
})

describe("a damaged kept listing", () => {
  it("is never served: a byte changed anywhere in it, and the listing is made again", async () => {
    const dir = mkdtempSync(join(tmpdir(), "cc-listing-damage-"))
    const home = join(dir, "claude")
    const store = join(dir, "store")
    try {
      writeGrowth(
        home,
        buildForest([
          { op: "root", generation: "2.1", folder: 0 },
          { op: "fork", target: 0 },
          { op: "root", generation: "1.0", folder: 1 },
          { op: "resume", target: 2 }
        ]),
        new Set()
      )
      await allChains(contextFor(store, [home]))
      const file = listingCacheFile(store)
      const whole = readFileSync(file)
      // a transcript appended too, so that the damaged layout or log digest would be used
      const live = join(home, "projects", "-srv-proj0")
      const [name] = readdirSync(live).filter((n) => n.endsWith(".jsonl"))
      await fc.assert(
        fc.asyncProperty(
          fc.nat(whole.length - 1),
          fc.integer({ min: 1, max: 255 }),
          fc.boolean(),
          async (at, flip, append) => {
            const damaged = Buffer.from(whole)
            damaged[at] = (damaged[at] ?? 0) ^ flip
            writeFileSync(file, damaged)
            if (append && name !== undefined)
              appendFileSync(
                join(live, name),
                `${JSON.stringify({ type: "system", uuid: `x-${at}`, timestamp: "2026-11-24T09:30:00.000Z" })}\n`
              )
            const fresh = join(dir, `fresh-${at}-${flip}`)
            const wanted = (await allChains(contextFor(fresh, [home]))).rows.toString()
            expect((await allChains(contextFor(store, [home]))).rows.toString()).toBe(wanted)
            rmSync(fresh, { recursive: true, force: true })
          }
        ),
        { numRuns: 150 }
      )
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
