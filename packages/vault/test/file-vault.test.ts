import {
  appendFileSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  truncateSync,
  writeFileSync
} from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { runAsPromise } from "@cc/events"
import fc from "fast-check"
import { afterEach, describe, expect, it } from "vitest"
import {
  isVaultError,
  makeFileVault,
  mirrorTranscript,
  OFF_THREAD_FROM_BYTES,
  promiseVault,
  restoreTranscript,
  restoreTranscripts,
  type TranscriptKey,
  transcriptKeyOf,
  verifyVault
} from "../src/index.js"

const dirs: Array<string> = []
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})
const temp = () => {
  const dir = mkdtempSync(join(tmpdir(), "cc-file-vault-"))
  dirs.push(dir)
  return dir
}
const key = transcriptKeyOf("11111111-2222-4333-8444-555555555555") as TranscriptKey
const meta = { projectKey: "-p", cwd: "/p", host: "h" }
const failure = async (p: Promise<unknown>) =>
  p.then(
    () => undefined,
    (e: unknown) => e
  )

/** A vault holding one transcript of three pushes, and that transcript's bytes. */
const vaultWithCopy = async () => {
  const dir = temp()
  const vault = makeFileVault({ dir: join(dir, "vault") })
  const file = join(dir, "t.jsonl")
  let content = ""
  for (const line of ['{"n":1}\n', '{"n":2,"text":"héllo"}\n', '{"n":3}\n']) {
    appendFileSync(file, line)
    content += line
    await runAsPromise(mirrorTranscript(vault, { key, meta, path: file }))
  }
  const part = join(dir, "vault", key.sessionId, "transcript")
  return { dir, vault, file, content, part }
}

/** A vault holding `count` transcripts of a few large chunks each (mirrored as they grew). */
const vaultWithLargeCopies = async (count: number) => {
  const dir = temp()
  const vault = makeFileVault({ dir: join(dir, "vault") })
  const copies = []
  for (let n = 0; n < count; n++) {
    const k = transcriptKeyOf(`11111111-2222-4333-8444-00000000000${n}`) as TranscriptKey
    const file = join(dir, `${n}.jsonl`)
    // lines of their own lengths, pushed three times: chunks of about 1.2 MiB each
    for (let push = 0; push < 3; push++) {
      let text = ""
      for (let i = 0; text.length < 1.2 * 2 ** 20; i++)
        text += `${JSON.stringify({ n, push, i, text: "é".repeat((i * 7919 + n) % 700) })}\n`
      appendFileSync(file, text)
      await runAsPromise(mirrorTranscript(vault, { key: k, meta, path: file }))
    }
    copies.push({ key: k, file, content: readFileSync(file) })
  }
  return { dir, vault, copies }
}

describe("file vault", () => {
  it("keeps its folders 0700 and its files 0600", async () => {
    const { dir, part } = await vaultWithCopy()
    expect(statSync(join(dir, "vault")).mode & 0o777).toBe(0o700)
    expect(statSync(part).mode & 0o777).toBe(0o700)
    for (const name of readdirSync(part).filter((n) => !n.endsWith(".queue")))
      expect(statSync(join(part, name)).mode & 0o777).toBe(0o600)
  })

  // counted in /proc/self/fd: Linux only
  it.skipIf(!existsSync("/proc/self/fd"))(
    "closes a data file replaced while a read of it is going on, once that read ends",
    async () => {
      const { vault, part } = await vaultWithCopy()
      const openFds = () => readdirSync("/proc/self/fd").length
      const copy = await runAsPromise(vault.describe(key))
      const chunk = copy?.chunks[0]
      if (copy === undefined || chunk === undefined) throw new Error("no copy")
      const read = () => runAsPromise(vault.readChunk(key, copy.generation, chunk))
      await read()
      await new Promise((done) => setTimeout(done, 400))
      const before = openFds()
      // a read in flight when the file is replaced (same bytes, another inode), then one after
      const first = read()
      const data = join(part, `g${copy.generation}.data`)
      writeFileSync(`${data}.new`, readFileSync(data))
      renameSync(`${data}.new`, data)
      const second = read()
      expect(Buffer.from(await first)).toEqual(Buffer.from(await second))
      // both descriptors closed: the replaced one by its last reader, the other once idle
      await new Promise((done) => setTimeout(done, 400))
      expect(openFds()).toBe(before)
    }
  )

  // a small copy (digests on the calling thread) and one of large chunks (on the hasher threads)
  const copies = {
    "a copy of small chunks": async () => {
      const { dir, vault, part, content } = await vaultWithCopy()
      return { dir, vault, key, data: join(part, "g0.data"), content: Buffer.from(content), runs: 30 }
    },
    "a copy of large chunks": async () => {
      const { dir, vault, copies } = await vaultWithLargeCopies(1)
      const only = copies[0] as (typeof copies)[number]
      const described = await runAsPromise(vault.describe(only.key))
      expect(Math.min(...(described?.chunks.map((c) => c.length) ?? []))).toBeGreaterThan(OFF_THREAD_FROM_BYTES)
      const data = join(dir, "vault", only.key.sessionId, "transcript", "g0.data")
      return { dir, vault, key: only.key, data, content: only.content, runs: 8 }
    }
  }
  for (const [what, copyOf] of Object.entries(copies))
    it(`refuses to restore ${what} with any byte flipped, writing nothing where claude reads, and verify names it`, async () => {
      const { dir, vault, key, data, content, runs } = await copyOf()
      const original = readFileSync(data)
      const restoredDir = join(dir, "restored")
      await fc.assert(
        fc.asyncProperty(fc.nat(original.length - 1), fc.integer({ min: 1, max: 255 }), async (at, flip) => {
          const bytes = Buffer.from(original)
          bytes[at] = (bytes[at] ?? 0) ^ flip
          writeFileSync(data, bytes)
          const error = await failure(runAsPromise(restoreTranscript(vault, key, join(restoredDir, `${at}.jsonl`))))
          expect(isVaultError(error) && error._tag).toBe("VaultDamaged")
          // nothing where claude would read it, and no temp file left beside it
          expect(readdirSync(restoredDir)).toEqual([])
          const checks = await runAsPromise(verifyVault(vault))
          expect(checks[0]?.problem).toMatch(/do not match its digest/)
        }),
        { numRuns: runs }
      )
      writeFileSync(data, original)
      const target = join(restoredDir, "whole.jsonl")
      expect((await runAsPromise(restoreTranscript(vault, key, target)))._tag).toBe("Restored")
      expect(readFileSync(target).equals(content)).toBe(true)
    })

  it("refuses a copy whose data was cut short or is missing", async () => {
    const { dir, vault, part } = await vaultWithCopy()
    truncateSync(join(part, "g0.data"), 5)
    const cut = await failure(runAsPromise(restoreTranscript(vault, key, join(dir, "a.jsonl"))))
    expect(isVaultError(cut) && cut._tag).toBe("VaultDamaged")
    rmSync(join(part, "g0.data"))
    const missing = await failure(runAsPromise(restoreTranscript(vault, key, join(dir, "b.jsonl"))))
    expect(isVaultError(missing) && missing.message).toMatch(/missing/)
    // and a push to it is refused rather than laid over the hole
    const pushed = await failure(
      runAsPromise(vault.push(key, meta, { generation: 0, offset: 0, bytes: Buffer.from("x\n") }))
    )
    expect(isVaultError(pushed)).toBe(true)
  })

  it("treats a manifest line that does not decode as damage: nothing pushed, nothing restored", async () => {
    const { dir, vault, part } = await vaultWithCopy()
    const manifest = join(part, "manifest.jsonl")
    const lines = readFileSync(manifest, "utf8").split("\n")
    lines[1] = `${lines[1]?.slice(0, 10)}#${lines[1]?.slice(11)}`
    writeFileSync(manifest, lines.join("\n"))
    expect((await runAsPromise(vault.describe(key)))?.damaged).toMatch(/manifest line 2/)
    const restore = await failure(runAsPromise(restoreTranscript(vault, key, join(dir, "r.jsonl"))))
    expect(isVaultError(restore) && restore._tag).toBe("VaultDamaged")
    const mirror = await failure(runAsPromise(mirrorTranscript(vault, { key, meta, path: join(dir, "t.jsonl") })))
    expect(isVaultError(mirror) && mirror._tag).toBe("VaultDamaged")
  })

  it("cuts back a torn manifest line and data no manifest line acknowledged, then goes on", async () => {
    const { dir, vault, part, file, content } = await vaultWithCopy()
    // a push that died: its bytes written, its manifest line half written
    appendFileSync(join(part, "g0.data"), "never acknowledged")
    appendFileSync(join(part, "manifest.jsonl"), '{"t":"chunk","g":0,"o":')
    expect((await runAsPromise(vault.describe(key)))?.length).toBe(Buffer.byteLength(content))
    appendFileSync(file, '{"n":4}\n')
    const outcome = await runAsPromise(mirrorTranscript(vault, { key, meta, path: file }))
    expect(outcome._tag === "Pushed" && outcome.bytes).toBe(8)
    const target = join(dir, "r.jsonl")
    await runAsPromise(restoreTranscript(vault, key, target))
    expect(readFileSync(target, "utf8")).toBe(`${content}{"n":4}\n`)
    expect(readFileSync(join(part, "manifest.jsonl"), "utf8").endsWith("\n")).toBe(true)
  })

  it("says clearly when its folder cannot be written", async () => {
    const dir = temp()
    writeFileSync(join(dir, "not-a-folder"), "")
    const vault = makeFileVault({ dir: join(dir, "not-a-folder", "vault") })
    const error = await failure(
      runAsPromise(vault.push(key, meta, { generation: 0, offset: 0, bytes: Buffer.from("a\n") }))
    )
    expect(isVaultError(error) && error._tag).toBe("VaultIOError")
    expect(isVaultError(error) && error.message).toMatch(/not-a-folder/)
    expect(await runAsPromise(vault.list())).toEqual([])
  })
})

describe("restore with catch-up", () => {
  it("brings a file that holds the start of the copy up to it, and refuses one that went its own way", async () => {
    const { dir, vault, file, content } = await vaultWithCopy()
    const behind = join(dir, "behind.jsonl")
    writeFileSync(behind, content.slice(0, 8))
    // without the claim's say-so it is not touched
    const refused = await failure(runAsPromise(restoreTranscript(vault, key, behind)))
    expect(isVaultError(refused) && refused._tag).toBe("RestoreRefused")
    const caught = await runAsPromise(restoreTranscript(vault, key, behind, { catchUp: true }))
    expect(caught._tag === "CaughtUp" && caught.bytes).toBe(Buffer.byteLength(content) - 8)
    expect(readFileSync(behind, "utf8")).toBe(content)
    const diverged = join(dir, "diverged.jsonl")
    writeFileSync(diverged, '{"n":1}\n{"other":true}\n')
    const split = await failure(runAsPromise(restoreTranscript(vault, key, diverged, { catchUp: true })))
    expect(isVaultError(split) && split._tag).toBe("RestoreRefused")
    expect(readFileSync(diverged, "utf8")).toBe('{"n":1}\n{"other":true}\n')
    // a file that holds the copy (and more) is present, the vault not even read
    appendFileSync(file, '{"n":9}\n')
    expect((await runAsPromise(restoreTranscript(vault, key, file)))._tag).toBe("Present")
  })
})

describe("restore of a chain at once", () => {
  it("restores a chain together: each byte for byte, in the order asked, a damaged one failing alone", async () => {
    const { dir, vault, copies } = await vaultWithLargeCopies(4)
    const damagedOne = copies[2]
    if (damagedOne === undefined) throw new Error("no copy")
    const data = join(dir, "vault", damagedOne.key.sessionId, "transcript", "g0.data")
    const bytes = readFileSync(data)
    bytes[bytes.length - 100] = (bytes[bytes.length - 100] ?? 0) ^ 0x20
    writeFileSync(data, bytes)
    const home = join(dir, "home")
    const requests = copies.map((c, n) => ({ key: c.key, target: join(home, `${n}.jsonl`) }))
    const outcomes = await runAsPromise(restoreTranscripts(vault, requests))
    expect(outcomes.map((o) => (o._tag === "Success" ? o.success._tag : o.failure._tag))).toEqual([
      "Restored",
      "Restored",
      "VaultDamaged",
      "Restored"
    ])
    for (const [n, c] of copies.entries())
      if (c !== damagedOne) expect(readFileSync(join(home, `${n}.jsonl`)).equals(c.content)).toBe(true)
    // nothing of the damaged one, and no temp file left behind
    expect(readdirSync(home).sort()).toEqual(["0.jsonl", "1.jsonl", "3.jsonl"])
    // the Promise API says the same, as Promise.allSettled would
    const again = await promiseVault(vault).restoreAll(
      copies.map((c, n) => ({ key: c.key, target: join(dir, "again", `${n}.jsonl`) }))
    )
    expect(again.map((o) => o.status)).toEqual(["fulfilled", "fulfilled", "rejected", "fulfilled"])
  })
})
