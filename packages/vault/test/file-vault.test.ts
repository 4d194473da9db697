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
  restoreTranscript,
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

  it("refuses to restore from a chunk with any byte flipped, and verify names it", async () => {
    const { dir, vault, part, content } = await vaultWithCopy()
    const data = join(part, "g0.data")
    const original = readFileSync(data)
    await fc.assert(
      fc.asyncProperty(fc.nat(original.length - 1), fc.integer({ min: 1, max: 255 }), async (at, flip) => {
        const bytes = Buffer.from(original)
        bytes[at] = (bytes[at] ?? 0) ^ flip
        writeFileSync(data, bytes)
        const target = join(dir, "restored", `${at}.jsonl`)
        const error = await failure(runAsPromise(restoreTranscript(vault, key, target)))
        expect(isVaultError(error) && error._tag).toBe("VaultDamaged")
        // nothing is written where claude would read it
        expect(() => statSync(target)).toThrow()
        const checks = await runAsPromise(verifyVault(vault))
        expect(checks[0]?.problem).toMatch(/do not match its digest/)
      }),
      { numRuns: 30 }
    )
    writeFileSync(data, original)
    const target = join(dir, "restored", "whole.jsonl")
    await runAsPromise(restoreTranscript(vault, key, target))
    expect(readFileSync(target, "utf8")).toBe(content)
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
