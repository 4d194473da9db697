import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import fc from "fast-check"
import { afterAll, describe, expect, it } from "vitest"
import { type JsonlItem, readJsonlLines, readJsonlLinesSync } from "../src/index.js"

const dir = mkdtempSync(join(tmpdir(), "cc-jsonl-"))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** What the readers must say, computed the obvious way from the whole file. */
const model = (bytes: Buffer, from: number, maxLineBytes: number): Array<JsonlItem> => {
  const items: Array<JsonlItem> = []
  let start = from
  for (let nl = bytes.indexOf(0x0a, start); nl !== -1; nl = bytes.indexOf(0x0a, start)) {
    const length = nl - start
    items.push(
      length > maxLineBytes
        ? { _tag: "Oversized", offset: start, length }
        : { _tag: "Line", offset: start, length, text: bytes.subarray(start, nl).toString("utf8") }
    )
    start = nl + 1
  }
  items.push({ _tag: "End", nextOffset: start, pending: bytes.length - start })
  return items
}

const contentArb = fc
  .array(fc.oneof(fc.string({ maxLength: 40 }), fc.constantFrom("\n", "é€😀", "x".repeat(70))), { maxLength: 30 })
  .map((parts) => Buffer.from(parts.join("")))

let fileNo = 0
const fileWith = (bytes: Buffer): string => {
  const path = join(dir, `f${fileNo++}.jsonl`)
  writeFileSync(path, bytes)
  return path
}

describe("JSONL line readers (properties)", () => {
  it("async and sync readers, with or without a prefetched start, say what the model says", async () => {
    await fc.assert(
      fc.asyncProperty(
        contentArb,
        fc.integer({ min: 1, max: 64 }),
        fc.integer({ min: 1, max: 100 }),
        fc.nat(),
        fc.nat(),
        async (bytes, chunkBytes, maxLineBytes, fromSeed, initialSeed) => {
          const path = fileWith(bytes)
          const from = bytes.length === 0 ? 0 : fromSeed % (bytes.length + 1)
          const expected = model(bytes, from, maxLineBytes)
          const viaAsync: Array<JsonlItem> = []
          for await (const item of readJsonlLines(path, { from, chunkBytes, maxLineBytes })) viaAsync.push(item)
          expect(viaAsync).toEqual(expected)
          const initialEnd = from + (initialSeed % (bytes.length - from + 1))
          const fd = openSync(path, "r")
          try {
            expect([...readJsonlLinesSync(fd, { from, chunkBytes, maxLineBytes })]).toEqual(expected)
            const initial = bytes.subarray(from, initialEnd)
            expect([...readJsonlLinesSync(fd, { from, chunkBytes, maxLineBytes, initial })]).toEqual(expected)
          } finally {
            closeSync(fd)
          }
        }
      ),
      { numRuns: 300 }
    )
  })

  it("keep a line of exactly the limit that ends where a chunk ends", () => {
    const path = fileWith(Buffer.from("abcd\nefghi\n"))
    const fd = openSync(path, "r")
    try {
      expect([...readJsonlLinesSync(fd, { chunkBytes: 4, maxLineBytes: 4 })]).toEqual([
        { _tag: "Line", offset: 0, length: 4, text: "abcd" },
        { _tag: "Oversized", offset: 5, length: 5 },
        { _tag: "End", nextOffset: 11, pending: 0 }
      ])
    } finally {
      closeSync(fd)
    }
  })

  it("stop at `to` without reading past it", async () => {
    const bytes = Buffer.from('{"a":1}\n{"b":2}\n{"c":3}\n')
    const path = fileWith(bytes)
    const items: Array<JsonlItem> = []
    for await (const item of readJsonlLines(path, { to: 12 })) items.push(item)
    expect(items).toEqual([
      { _tag: "Line", offset: 0, length: 7, text: '{"a":1}' },
      { _tag: "End", nextOffset: 8, pending: 4 }
    ])
  })
})
