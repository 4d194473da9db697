/**
 * The vault contract as a test suite. Every vault runs it:
 *
 * ```ts
 * import { runVaultConformance } from "@cc/vault/conformance"
 * runVaultConformance("postgres", async () => ({ vault: await makePgVault(), cleanup }))
 * ```
 *
 * Needs `vitest` and `fast-check` (optional peer dependencies of this package).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { appendFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { runAsPromise } from "@cc/events"
import type * as Effect from "effect/Effect"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { sha256Hex } from "./digest.js"
import { isVaultError } from "./errors.js"
import { keyName, type TranscriptKey, transcriptKeyOf } from "./key.js"
import { mirrorTranscript } from "./mirror.js"
import { readVerified, restoreTranscript, restoreTranscripts } from "./restore.js"
import type { TranscriptMeta, VaultShape } from "./vault.js"

export interface VaultUnderTest {
  readonly vault: VaultShape
  /** A second handle on the same vault (another process, a reopen). */
  readonly reopen?: () => Promise<VaultShape>
  readonly cleanup?: () => Promise<void>
}

export type VaultFactory = () => Promise<VaultUnderTest>

const run = runAsPromise
const failureOf = async (effect: Effect.Effect<unknown, unknown>): Promise<unknown> => {
  try {
    await run(effect)
  } catch (error) {
    return error
  }
  return undefined
}

const key = (n: number, subpath = ""): TranscriptKey =>
  transcriptKeyOf(`00000000-0000-4000-8000-${String(n).padStart(12, "0")}`, subpath) as TranscriptKey
const meta: TranscriptMeta = { projectKey: "-home-dev-proj", cwd: "/home/dev/proj", host: "host-a" }
const bytesOf = (text: string) => new TextEncoder().encode(text)

const withVault = async <A>(factory: VaultFactory, f: (v: VaultUnderTest) => Promise<A>): Promise<A> => {
  const v = await factory()
  try {
    return await f(v)
  } finally {
    await v.cleanup?.()
  }
}

/** The bytes of the copy's newest generation, every chunk checked. */
const contentOf = async (vault: VaultShape, k: TranscriptKey): Promise<string> => {
  const copy = await run(vault.describe(k))
  if (copy === undefined) return ""
  const parts: Array<Uint8Array> = []
  await run(
    readVerified(vault, copy, (b) => {
      parts.push(Uint8Array.from(b))
    })
  )
  return Buffer.concat(parts).toString("utf8")
}

// --- model-based: the vault behaves like a map of keys to generations of byte strings -----

interface ModelCopy {
  generation: number
  chunks: Array<string>
}
type Model = Map<string, ModelCopy>
interface Real {
  vault: VaultShape
  readonly reopen?: () => Promise<VaultShape>
}

const keys = [key(1), key(1, "subagents/agent-a1.jsonl"), key(2)]

const checkAgainst = async (model: Model, vault: VaultShape): Promise<void> => {
  for (const k of keys) {
    const expected = model.get(keyName(k))
    const copy = await run(vault.describe(k))
    if (expected === undefined) {
      expect(copy).toBeUndefined()
      continue
    }
    expect(copy?.generation).toBe(expected.generation)
    expect(copy?.chunks.map((c) => c.length)).toEqual(expected.chunks.map((c) => Buffer.byteLength(c)))
    expect(copy?.chunks.map((c) => c.sha256)).toEqual(expected.chunks.map((c) => sha256Hex(bytesOf(c))))
    expect(await contentOf(vault, k)).toBe(expected.chunks.join(""))
  }
  const listed = await run(vault.list())
  expect(listed.map((c) => keyName(c.key))).toEqual([...model.keys()].sort())
}

class PushNext implements fc.AsyncCommand<Model, Real> {
  constructor(
    readonly k: number,
    readonly text: string
  ) {}
  check = () => true
  async run(model: Model, real: Real): Promise<void> {
    const target = keys[this.k] as TranscriptKey
    const copy = model.get(keyName(target))
    const offset = copy === undefined ? 0 : Buffer.byteLength(copy.chunks.join(""))
    await run(real.vault.push(target, meta, { generation: copy?.generation ?? 0, offset, bytes: bytesOf(this.text) }))
    if (copy === undefined) model.set(keyName(target), { generation: 0, chunks: [this.text] })
    else copy.chunks.push(this.text)
    await checkAgainst(model, real.vault)
  }
  toString = () => `push ${this.k} ${JSON.stringify(this.text)}`
}

class PushStale implements fc.AsyncCommand<Model, Real> {
  constructor(
    readonly k: number,
    readonly shift: number,
    readonly generationShift: number
  ) {}
  check = () => true
  async run(model: Model, real: Real): Promise<void> {
    const target = keys[this.k] as TranscriptKey
    const copy = model.get(keyName(target))
    const offset = (copy === undefined ? 0 : Buffer.byteLength(copy.chunks.join(""))) + this.shift
    const generation = (copy?.generation ?? 0) + this.generationShift
    // what the rule allows is not stale: only the pushes it refuses are tried here
    const allowed =
      (this.shift === 0 && this.generationShift === 0) ||
      (copy !== undefined && this.generationShift === 1 && offset === 0)
    if (allowed || generation < 0 || offset < 0) return
    const error = await failureOf(real.vault.push(target, meta, { generation, offset, bytes: bytesOf("stale\n") }))
    expect(isVaultError(error) && error._tag).toBe("VaultConflict")
    await checkAgainst(model, real.vault)
  }
  toString = () => `stale ${this.k} ${this.shift} ${this.generationShift}`
}

class NewGeneration implements fc.AsyncCommand<Model, Real> {
  constructor(
    readonly k: number,
    readonly text: string
  ) {}
  check = (model: Readonly<Model>) => model.has(keyName(keys[this.k] as TranscriptKey))
  async run(model: Model, real: Real): Promise<void> {
    const target = keys[this.k] as TranscriptKey
    const copy = model.get(keyName(target)) as ModelCopy
    await run(real.vault.push(target, meta, { generation: copy.generation + 1, offset: 0, bytes: bytesOf(this.text) }))
    copy.generation++
    copy.chunks = [this.text]
    await checkAgainst(model, real.vault)
  }
  toString = () => `new generation ${this.k} ${JSON.stringify(this.text)}`
}

class Remove implements fc.AsyncCommand<Model, Real> {
  constructor(readonly k: number) {}
  check = () => true
  async run(model: Model, real: Real): Promise<void> {
    const target = keys[this.k] as TranscriptKey
    expect(await run(real.vault.remove(target))).toBe(model.has(keyName(target)))
    model.delete(keyName(target))
    await checkAgainst(model, real.vault)
  }
  toString = () => `remove ${this.k}`
}

class Reopen implements fc.AsyncCommand<Model, Real> {
  check = () => true
  async run(model: Model, real: Real): Promise<void> {
    if (real.reopen === undefined) return
    real.vault = await real.reopen()
    await checkAgainst(model, real.vault)
  }
  toString = () => "reopen"
}

const lineArb = fc
  .array(fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom("é", "😀", '{"type":"user"}')), { maxLength: 3 })
  .map((parts) => `${parts.join("")}\n`)

const commands = [
  fc.tuple(fc.nat(2), lineArb).map(([k, text]) => new PushNext(k, text)),
  fc
    .tuple(fc.nat(2), fc.integer({ min: -3, max: 3 }), fc.integer({ min: -1, max: 2 }))
    .map(([k, s, g]) => new PushStale(k, s, g)),
  fc.tuple(fc.nat(2), lineArb).map(([k, text]) => new NewGeneration(k, text)),
  fc.nat(2).map((k) => new Remove(k)),
  fc.constant(new Reopen())
]

export const runVaultConformance = (name: string, factory: VaultFactory, options: { readonly runs?: number } = {}) => {
  describe(`vault conformance: ${name}`, () => {
    it("behaves like a map of keys to generations of chunks (model-based)", async () => {
      await fc.assert(
        fc.asyncProperty(fc.commands(commands, { maxCommands: 25 }), (cmds) =>
          withVault(factory, async (v) => {
            const real: Real = { vault: v.vault, ...(v.reopen === undefined ? {} : { reopen: v.reopen }) }
            await fc.asyncModelRun(() => ({ model: new Map(), real }), cmds)
          })
        ),
        { numRuns: options.runs ?? 25 }
      )
    })

    it("refuses an empty push, and a push at a negative or fractional offset, writing nothing", () =>
      withVault(factory, async ({ vault }) => {
        for (const push of [
          { generation: 0, offset: 0, bytes: new Uint8Array(0) },
          { generation: 0, offset: -1, bytes: bytesOf("x\n") },
          { generation: 0, offset: 0.5, bytes: bytesOf("x\n") },
          { generation: -1, offset: 0, bytes: bytesOf("x\n") }
        ]) {
          const error = await failureOf(vault.push(key(7), meta, push))
          expect(isVaultError(error) && error._tag).toBe("VaultConflict")
        }
        expect(await run(vault.describe(key(7)))).toBeUndefined()
      }))

    it("lets exactly one of two pushes at the same offset through", () =>
      withVault(factory, async ({ vault, reopen }) => {
        const other = (await reopen?.()) ?? vault
        await run(vault.push(key(3), meta, { generation: 0, offset: 0, bytes: bytesOf("first\n") }))
        const results = await Promise.allSettled([
          run(vault.push(key(3), meta, { generation: 0, offset: 6, bytes: bytesOf("from a\n") })),
          run(other.push(key(3), meta, { generation: 0, offset: 6, bytes: bytesOf("from b\n") }))
        ])
        expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1)
        const rejected = results.find((r) => r.status === "rejected")
        expect(isVaultError(rejected?.reason) && rejected.reason._tag).toBe("VaultConflict")
        expect(["first\nfrom a\n", "first\nfrom b\n"]).toContain(await contentOf(vault, key(3)))
      }))

    it("keeps the newest meta, the times and one session's copies apart", () =>
      withVault(factory, async ({ vault }) => {
        await run(vault.push(key(4), meta, { generation: 0, offset: 0, bytes: bytesOf("a\n") }))
        const moved = { projectKey: "-elsewhere", cwd: "/elsewhere", host: "host-b" }
        const copy = await run(vault.push(key(4), moved, { generation: 0, offset: 2, bytes: bytesOf("b\n") }))
        expect(copy.meta).toEqual(moved)
        expect((await run(vault.describe(key(4))))?.meta).toEqual(moved)
        expect(copy.updatedAt).toBeGreaterThanOrEqual(copy.firstAt)
        await run(
          vault.push(key(5, "subagents/agent-x.jsonl"), meta, { generation: 0, offset: 0, bytes: bytesOf("s\n") })
        )
        expect((await run(vault.list({ sessionId: key(5).sessionId }))).map((c) => c.key.subpath)).toEqual([
          "subagents/agent-x.jsonl"
        ])
      }))

    it("mirrors a growing transcript by its appended bytes, and restores it byte for byte", () =>
      withVault(factory, async ({ vault }) => {
        const dir = mkdtempSync(join(tmpdir(), "cc-vault-conf-"))
        try {
          const file = join(dir, "t.jsonl")
          writeFileSync(file, '{"type":"user","n":1}\n{"type":"assistant","n":2}\n{"partial')
          const first = await run(mirrorTranscript(vault, { key: key(6), meta, path: file }))
          expect(first._tag).toBe("Pushed")
          // a line still being written is not copied until it is whole
          expect((await run(vault.describe(key(6))))?.length).toBe(
            Buffer.byteLength('{"type":"user","n":1}\n{"type":"assistant","n":2}\n')
          )
          await appendFile(file, '":true}\n')
          const second = await run(mirrorTranscript(vault, { key: key(6), meta, path: file }))
          expect(second._tag === "Pushed" && second.bytes).toBe(Buffer.byteLength('{"partial":true}\n'))
          expect((await run(mirrorTranscript(vault, { key: key(6), meta, path: file })))._tag).toBe("Unchanged")
          const original = readFileSync(file)
          rmSync(file)
          const restored = await run(restoreTranscript(vault, key(6), join(dir, "again", "t.jsonl")))
          expect(restored._tag).toBe("Restored")
          expect(readFileSync(join(dir, "again", "t.jsonl")).equals(original)).toBe(true)
          // there already, the same: left alone; there and different: refused, untouched
          expect((await run(restoreTranscript(vault, key(6), join(dir, "again", "t.jsonl"))))._tag).toBe("Present")
          writeFileSync(file, "something else\n")
          const refused = await failureOf(restoreTranscript(vault, key(6), file))
          expect(isVaultError(refused) && refused._tag).toBe("RestoreRefused")
          expect(readFileSync(file, "utf8")).toBe("something else\n")
          // a file shorter than the copy is left alone (the vault holding more is its point)
          const shorter = await run(mirrorTranscript(vault, { key: key(6), meta, path: file }))
          expect(shorter._tag).toBe("VaultAhead")
          // a file replaced (not appended to) starts the next generation
          const other = `${"something else entirely\n".repeat(4)}`
          writeFileSync(file, other)
          const replaced = await run(mirrorTranscript(vault, { key: key(6), meta, path: file }))
          expect(replaced._tag === "Pushed" && replaced.newGeneration).toBe(true)
          expect(await contentOf(vault, key(6))).toBe(other)
        } finally {
          rmSync(dir, { recursive: true, force: true })
        }
      }))

    it("gives a transcript one writer at a time: a claim is held, renewed, released, or runs out", () =>
      withVault(factory, async ({ vault, reopen }) => {
        const other = (await reopen?.()) ?? vault
        const a = { id: "run-a", host: "host-a", what: "resume of cc-session-a (pid 1)" }
        const b = { id: "run-b", host: "host-b", what: "resume of cc-session-a (pid 2)" }
        expect((await run(vault.claim(key(8), a, 60_000)))._tag).toBe("Granted")
        const held = await run(other.claim(key(8), b, 60_000))
        expect(held._tag === "Held" && held.by).toEqual(a)
        // the holder renews; someone else's release changes nothing
        expect((await run(other.claim(key(8), a, 60_000)))._tag).toBe("Granted")
        await run(other.release(key(8), b.id))
        expect((await run(vault.claim(key(8), b, 60_000)))._tag).toBe("Held")
        await run(vault.release(key(8), a.id))
        expect((await run(other.claim(key(8), b, 40)))._tag).toBe("Granted")
        await new Promise((r) => setTimeout(r, 80))
        // b's claim ran out: a may write again
        expect((await run(vault.claim(key(8), a, 60_000)))._tag).toBe("Granted")
        // two at once: one of them
        const both = await Promise.all([run(vault.claim(key(10), a, 60_000)), run(other.claim(key(10), b, 60_000))])
        expect(both.map((o) => o._tag).sort()).toEqual(["Granted", "Held"])
        // a claim is not a copy
        expect(await run(vault.describe(key(10)))).toBeUndefined()
        expect((await run(vault.list())).map((c) => keyName(c.key))).not.toContain(keyName(key(10)))
      }))

    it("keeps a summary beside a copy by compare-and-set, listed by project folder, gone with the copy", () =>
      withVault(factory, async ({ vault, reopen }) => {
        const other = (await reopen?.()) ?? vault
        // no copy, no summary
        expect(await run(vault.putSummary(key(11), undefined, { mtime: 1, data: { a: 1 } }))).toBe(false)
        await run(vault.push(key(11), meta, { generation: 0, offset: 0, bytes: bytesOf("x\n") }))
        await run(
          vault.push(key(12), { ...meta, projectKey: "-other" }, { generation: 0, offset: 0, bytes: bytesOf("y\n") })
        )
        expect(await run(vault.putSummary(key(11), undefined, { mtime: 5, data: { title: "é", n: [1, 2] } }))).toBe(
          true
        )
        // a writer that read an older summary loses the race, and says so
        expect(await run(other.putSummary(key(11), undefined, { mtime: 6, data: { lost: true } }))).toBe(false)
        expect(await run(other.putSummary(key(11), 5, { mtime: 7, data: { title: "b" } }))).toBe(true)
        expect(await run(vault.summaryOf(key(11)))).toEqual({ mtime: 7, data: { title: "b" } })
        await run(vault.putSummary(key(12), undefined, { mtime: 3, data: {} }))
        expect(await run(vault.summaries(meta.projectKey))).toEqual([{ key: key(11), mtime: 7, data: { title: "b" } }])
        await run(vault.remove(key(11)))
        expect(await run(vault.summaries(meta.projectKey))).toEqual([])
        expect(await run(vault.summaryOf(key(11)))).toBeUndefined()
      }))

    it("keeps who writes a copy: a mirror leaves the SessionStore's copies alone", () =>
      withVault(factory, async ({ vault }) => {
        const viaStore = { ...meta, via: "session-store" as const }
        await run(vault.push(key(13), viaStore, { generation: 0, offset: 0, bytes: bytesOf('{"type":"user"}\n') }))
        expect((await run(vault.describe(key(13))))?.meta).toEqual(viaStore)
        const dir = mkdtempSync(join(tmpdir(), "cc-vault-conf-"))
        try {
          const file = join(dir, "t.jsonl")
          writeFileSync(file, '{"type":"user"}\n{"type":"assistant"}\n')
          expect((await run(mirrorTranscript(vault, { key: key(13), meta, path: file })))._tag).toBe("Unchanged")
          expect((await run(vault.describe(key(13))))?.length).toBe(16)
        } finally {
          rmSync(dir, { recursive: true, force: true })
        }
      }))

    it("restores nothing of a copy it does not hold", () =>
      withVault(factory, async ({ vault }) => {
        const error = await failureOf(restoreTranscript(vault, key(9), join(tmpdir(), "never-written.jsonl")))
        expect(isVaultError(error) && error._tag).toBe("VaultNotFound")
      }))

    it("restores a chain's copies together, each byte for byte, in the order asked, one it lacks failing alone", () =>
      withVault(factory, async ({ vault }) => {
        const dir = mkdtempSync(join(tmpdir(), "cc-vault-conf-"))
        try {
          // chunks past the size whose digest goes to a hasher thread, and small ones
          const contents = [14, 15, 16].map((n) =>
            [700_000, 300_000, 1_000].map((size, i) => `${JSON.stringify({ n, i, pad: "x".repeat(size) })}\n`)
          )
          for (const [i, chunks] of contents.entries()) {
            let offset = 0
            for (const text of chunks) {
              await run(vault.push(key(14 + i), meta, { generation: 0, offset, bytes: bytesOf(text) }))
              offset += Buffer.byteLength(text)
            }
          }
          const asked = [key(14), key(17), key(15), key(16)]
          const outcomes = await run(
            restoreTranscripts(
              vault,
              asked.map((k) => ({ key: k, target: join(dir, `${k.sessionId}.jsonl`) }))
            )
          )
          expect(outcomes.map((o) => (o._tag === "Success" ? o.success._tag : o.failure._tag))).toEqual([
            "Restored",
            "VaultNotFound",
            "Restored",
            "Restored"
          ])
          for (const [i, chunks] of contents.entries())
            expect(readFileSync(join(dir, `${key(14 + i).sessionId}.jsonl`), "utf8")).toBe(chunks.join(""))
        } finally {
          rmSync(dir, { recursive: true, force: true })
        }
      }))
  })
}
