import { spawnSync } from "node:child_process"
import { existsSync } from "node:fs"
import { join } from "node:path"
import fc from "fast-check"
import { afterEach, describe, expect, it } from "vitest"
import { makeHasherPool, OFF_THREAD_FROM_BYTES, sha256Hex } from "../src/index.js"

const pools: Array<ReturnType<typeof makeHasherPool>> = []
afterEach(async () => {
  for (const pool of pools.splice(0)) await pool.close()
})
const pool = (options?: Parameters<typeof makeHasherPool>[0]) => {
  const made = makeHasherPool(options)
  pools.push(made)
  return made
}

/** `length` bytes from `seed` at `offset` into a buffer, shared or not: what a restore reads into. */
const bytesOf = (seed: number, length: number, offset: number, shared: boolean): Uint8Array => {
  const buffer = shared ? new SharedArrayBuffer(offset + length) : new ArrayBuffer(offset + length)
  const bytes = new Uint8Array(buffer, offset, length)
  let x = seed | 1
  for (let i = 0; i < length; i++) {
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    bytes[i] = x & 0xff
  }
  return bytes
}

// lengths on both sides of the threshold, and a few well past it
const lengths = fc.oneof(
  fc.integer({ min: 0, max: 4096 }),
  fc.integer({ min: OFF_THREAD_FROM_BYTES - 64, max: OFF_THREAD_FROM_BYTES + 64 }),
  fc.integer({ min: OFF_THREAD_FROM_BYTES, max: 3 * OFF_THREAD_FROM_BYTES })
)
const inputs = fc.array(fc.record({ seed: fc.integer(), length: lengths, offset: fc.nat(64), shared: fc.boolean() }), {
  minLength: 1,
  maxLength: 8
})

describe("hasher threads", () => {
  it("give every digest the calling thread would, many at once, shared bytes or not", async () => {
    const hashers = pool()
    await fc.assert(
      fc.asyncProperty(inputs, async (asked) => {
        const all = asked.map((a) => bytesOf(a.seed, a.length, a.offset, a.shared))
        const got = await Promise.all(all.map((b) => hashers.sha256Hex(b)))
        expect(got).toEqual(all.map((b) => sha256Hex(b)))
      }),
      { numRuns: 40 }
    )
    // large shared bytes went to the threads (small or unshared ones never start any)
    expect(hashers.running()).toBeGreaterThan(0)
    const small = pool()
    await small.sha256Hex(bytesOf(1, OFF_THREAD_FROM_BYTES - 1, 0, true))
    await small.sha256Hex(bytesOf(1, OFF_THREAD_FROM_BYTES * 2, 0, false))
    expect(small.running()).toBe(0)
  })

  it("answer every digest, and rightly, when a thread fails or exits, then hash on the calling thread", async () => {
    const programs = {
      throws: `process.getBuiltinModule("node:worker_threads").parentPort.on("message", () => { throw new Error("boom") })`,
      exits: "process.exit(3)",
      "never answers, then exits": `setTimeout(() => process.exit(0), 50); process.getBuiltinModule("node:worker_threads").parentPort.on("message", () => {})`,
      "does not start": "this is not JavaScript ("
    }
    for (const [what, source] of Object.entries(programs)) {
      const failing = pool({ source })
      const all = [1, 2, 3, 4, 5].map((n) => bytesOf(n, OFF_THREAD_FROM_BYTES + n * 1000, n, true))
      expect(await Promise.all(all.map((b) => failing.sha256Hex(b))), what).toEqual(all.map((b) => sha256Hex(b)))
      expect(failing.running(), what).toBe(0)
      // and after: on the calling thread, no thread started again
      const after = bytesOf(9, OFF_THREAD_FROM_BYTES * 2, 0, true)
      expect(await failing.sha256Hex(after), what).toBe(sha256Hex(after))
      expect(failing.running(), what).toBe(0)
    }
  })

  it("answer the digests still pending when closed, and start again when asked after", async () => {
    // a thread that never answers: only the close can
    const silent = pool({
      source: `process.getBuiltinModule("node:worker_threads").parentPort.on("message", () => {})`
    })
    const bytes = bytesOf(7, OFF_THREAD_FROM_BYTES * 2, 3, true)
    const pending = silent.sha256Hex(bytes)
    expect(silent.running()).toBe(1)
    await silent.close()
    expect(await pending).toBe(sha256Hex(bytes))
    expect(silent.running()).toBe(0)
    const again = pool()
    await again.close()
    expect(await again.sha256Hex(bytes)).toBe(sha256Hex(bytes))
    expect(again.running()).toBe(1)
  })

  it("end their threads once idle", async () => {
    const hashers = pool({ idleMs: 20 })
    await hashers.sha256Hex(bytesOf(3, OFF_THREAD_FROM_BYTES * 2, 0, true))
    expect(hashers.running()).toBe(1)
    await expect.poll(() => hashers.running(), { timeout: 5_000 }).toBe(0)
  })

  // the built package, in a process of its own: a pool that would keep its threads for ten
  // minutes must not keep the process that long (the threads hold it only while a digest is pending)
  const dist = join(__dirname, "..", "dist", "index.js")
  it.skipIf(!existsSync(dist))("never hold a process open once their digests are answered", () => {
    const script = `
      import { makeHasherPool, sha256Hex } from ${JSON.stringify(dist)}
      const hashers = makeHasherPool({ idleMs: 600_000 })
      const bytes = new Uint8Array(new SharedArrayBuffer(1 << 20)).fill(7)
      const hex = await hashers.sha256Hex(bytes)
      console.log(hashers.running(), hex === sha256Hex(bytes))`
    const child = spawnSync(process.execPath, ["--input-type=module", "-e", script], {
      encoding: "utf8",
      timeout: 30_000
    })
    expect(child.signal).toBeNull()
    expect(child.stderr).toBe("")
    expect(child.stdout.trim()).toBe("1 true")
  })
})
