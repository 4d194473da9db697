/**
 * The transcript vault under faults: the pusher (a run's supervisor) killed with SIGKILL
 * mid-push, the PostgreSQL server killed mid-push, and random damage to a kept copy. What is
 * held: no acknowledged chunk lost, none kept twice, and a restore either gives back the
 * transcript byte for byte or is refused with a typed error, never a wrong transcript.
 */
import { spawn } from "node:child_process"
import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  truncateSync,
  writeFileSync
} from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { runAsPromise } from "@cc/events"
import { makePostgresVault } from "@cc/store-postgres"
import {
  isVaultError,
  makeFileVault,
  mirrorTranscript,
  OFF_THREAD_FROM_BYTES,
  readVerified,
  restoreTranscript,
  type TranscriptKey,
  transcriptKeyOf,
  type VaultShape,
  verifyVault
} from "@cc/vault"
import fc from "fast-check"
import pg from "pg"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
// @ts-expect-error plain JS tools
import { startTestServer } from "../postgres-server.mjs"
import { record, scale } from "./helpers/scale.js"

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
let dir: string
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "cc-chaos-vault-"))
  chmodSync(dir, 0o755)
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const SESSION = "33333333-4444-4555-8666-777777777777"
const key = transcriptKeyOf(SESSION) as TranscriptKey
const pusher = join(import.meta.dirname, "helpers", "vault-pusher.mjs")

const contentOf = async (vault: VaultShape): Promise<Buffer> => {
  const copy = await runAsPromise(vault.describe(key))
  if (copy === undefined) return Buffer.alloc(0)
  const parts: Array<Uint8Array> = []
  await runAsPromise(
    readVerified(vault, copy, (b) => {
      parts.push(Uint8Array.from(b))
    })
  )
  return Buffer.concat(parts)
}

/** Starts a pusher; its acknowledged lengths as they come. */
const startPusher = (where: string, file: string) => {
  const child = spawn(process.execPath, [pusher, where, file, SESSION], { stdio: ["ignore", "pipe", "pipe"] })
  let out = ""
  child.stdout.on("data", (chunk: Buffer) => {
    out += chunk.toString()
  })
  child.stderr.resume()
  const acked = () => out.split("\n").filter(Boolean).map(Number)
  const exited = new Promise((r) => child.once("exit", r))
  return { child, acked, exited }
}

/** The copy is a prefix of the file, at least as long as the last acknowledged length, and checks out whole. */
const checkCopy = async (vault: VaultShape, file: string, lastAcked: number) => {
  const kept = await contentOf(vault)
  const written = readFileSync(file)
  expect(kept.length).toBeGreaterThanOrEqual(lastAcked)
  // nothing doubled, nothing out of place: the copy is the file's first bytes exactly
  expect(kept.equals(written.subarray(0, kept.length))).toBe(true)
  const checks = await runAsPromise(verifyVault(vault))
  expect(checks.filter((c) => c.problem !== undefined)).toEqual([])
  return { kept: kept.length, doubled: 0 }
}

describe("the vault under faults", () => {
  it("kill -9 of the pusher mid-push (file vault): every acknowledged chunk kept, none twice", async () => {
    const rounds = scale(4, 20)
    let acknowledged = 0
    let lost = 0
    for (let round = 0; round < rounds; round++) {
      const vaultDir = join(dir, `kill-${round}`, "vault")
      const file = join(dir, `kill-${round}`, "t.jsonl")
      mkdirSync(join(dir, `kill-${round}`))
      const p = startPusher(vaultDir, file)
      for (let i = 0; i < 500 && p.acked().length < 3; i++) await sleep(10)
      await sleep((round * 37) % 200)
      p.child.kill("SIGKILL")
      await p.exited
      const acked = p.acked()
      const vault = makeFileVault({ dir: vaultDir })
      const { kept } = await checkCopy(vault, file, acked.at(-1) ?? 0)
      if (kept < (acked.at(-1) ?? 0)) lost++
      acknowledged += acked.length
      // the next run goes on from there: the copy becomes the whole file
      await runAsPromise(mirrorTranscript(vault, { key, meta: { projectKey: "-chaos", host: "chaos" }, path: file }))
      expect((await contentOf(vault)).equals(readFileSync(file).subarray(0, (await contentOf(vault)).length))).toBe(
        true
      )
    }
    record("vault-kill-pusher", { faultsInjected: rounds, acknowledged, lost, doubled: 0 })
  })

  it("the PostgreSQL server killed with SIGKILL mid-push and started again: every acknowledged chunk there once", async () => {
    const server = await startTestServer(mkdtempSync(join(dir, "pg-")), { persistent: true })
    let current: { stop(): Promise<void> } | undefined = server.server
    const file = join(dir, "pg-t.jsonl")
    const p = startPusher(server.url, file)
    const kills = scale(2, 5)
    try {
      for (let k = 0; k < kills; k++) {
        const before = p.acked().length
        for (let i = 0; i < 3000 && p.acked().length < before + 20; i++) await sleep(20)
        const pid = Number(readFileSync(join(server.dataDir, "postmaster.pid"), "utf8").split("\n")[0])
        process.kill(pid, "SIGKILL")
        await sleep(300)
        const next = server.again()
        await next.start()
        current = next
      }
      const before = p.acked().length
      for (let i = 0; i < 3000 && p.acked().length < before + 20; i++) await sleep(20)
      p.child.kill("SIGKILL")
      await p.exited
      const acked = p.acked()
      const vault = await runAsPromise(makePostgresVault({ url: server.url }))
      try {
        const { kept } = await checkCopy(vault, file, acked.at(-1) ?? 0)
        record("vault-pg-kill", {
          faultsInjected: kills,
          acknowledged: acked.length,
          lost: kept < (acked.at(-1) ?? 0) ? 1 : 0,
          doubled: 0,
          bytes: kept
        })
      } finally {
        await vault.close()
      }
    } finally {
      p.child.kill("SIGKILL")
      await current?.stop()
    }
  })

  it("random damage to a kept copy: a restore gives the transcript back byte for byte or is refused, never a wrong one", async () => {
    const base = join(dir, "damage")
    const file = join(base, "t.jsonl")
    const vaultDir = join(base, "vault")
    // every tenth line a large one (a tool's output): its chunk is checked on the hasher threads
    const lines = Array.from(
      { length: 40 },
      (_, n) => `${JSON.stringify({ type: "user", n, text: "é".repeat(n % 10 === 9 ? 150_000 : n * 50) })}\n`
    )
    const vault = makeFileVault({ dir: vaultDir })
    mkdirSync(base)
    for (const line of lines) {
      writeFileSync(file, line, { flag: "a" })
      await runAsPromise(mirrorTranscript(vault, { key, meta: { projectKey: "-chaos", host: "chaos" }, path: file }))
    }
    const original = readFileSync(file)
    const kept = (await runAsPromise(vault.describe(key)))?.chunks ?? []
    const largeChunks = kept.filter((c) => c.length >= OFF_THREAD_FROM_BYTES).length
    expect(largeChunks).toBe(4)
    const part = join(vaultDir, SESSION, "transcript")
    const pristine = new Map(
      readdirSync(part)
        .filter((n) => !n.endsWith(".queue"))
        .map((n) => [n, readFileSync(join(part, n))])
    )
    const put = () => {
      for (const [name, bytes] of pristine) writeFileSync(join(part, name), bytes)
    }
    let refused = 0
    let restored = 0
    let wrong = 0
    let cases = 0
    const damageArb = fc.oneof(
      fc.record({
        kind: fc.constant("flip" as const),
        file: fc.constantFrom("g0.data", "manifest.jsonl"),
        at: fc.nat(),
        bit: fc.integer({ min: 0, max: 7 })
      }),
      fc.record({
        kind: fc.constant("cut" as const),
        file: fc.constantFrom("g0.data", "manifest.jsonl"),
        at: fc.nat()
      }),
      fc.record({ kind: fc.constant("drop-line" as const), line: fc.nat() }),
      fc.record({ kind: fc.constant("remove" as const), file: fc.constantFrom("g0.data", "manifest.jsonl") })
    )
    await fc.assert(
      fc.asyncProperty(damageArb, async (damage) => {
        put()
        cases++
        if (damage.kind === "flip") {
          const bytes = Buffer.from(pristine.get(damage.file) as Buffer)
          const at = damage.at % bytes.length
          bytes[at] = (bytes[at] ?? 0) ^ (1 << damage.bit)
          writeFileSync(join(part, damage.file), bytes)
        } else if (damage.kind === "cut") {
          truncateSync(join(part, damage.file), damage.at % statSync(join(part, damage.file)).size)
        } else if (damage.kind === "drop-line") {
          const manifest = (pristine.get("manifest.jsonl") as Buffer).toString().split("\n")
          manifest.splice(damage.line % (manifest.length - 1), 1)
          writeFileSync(join(part, "manifest.jsonl"), manifest.join("\n"))
        } else rmSync(join(part, damage.file))
        const target = join(base, `restored-${cases}.jsonl`)
        try {
          await runAsPromise(restoreTranscript(vault, key, target))
          // a restore that went through gave exactly the transcript (a damage that only cut an
          // unacknowledged tail, or nothing, leaves a shorter but true copy: its bytes a prefix)
          const got = readFileSync(target)
          if (!got.equals(original.subarray(0, got.length))) wrong++
          else restored++
        } catch (error) {
          expect(isVaultError(error)).toBe(true)
          expect(() => statSync(target)).toThrow()
          refused++
        }
      }),
      { numRuns: scale(100, 1000) }
    )
    expect(wrong).toBe(0)
    record("vault-damage", { cases, refused, restored, wrong, chunks: kept.length, largeChunks })
  })

  it("random damage to a copy in PostgreSQL: a restore gives it back byte for byte or is refused", async () => {
    const server = await startTestServer(mkdtempSync(join(dir, "pg-damage-")))
    const admin = new pg.Pool({ connectionString: server.url, max: 1 })
    // the server is stopped at the end: its goodbye to an idle connection is no failure
    admin.on("error", () => {})
    const vault = await runAsPromise(makePostgresVault({ url: server.url }))
    try {
      const base = join(dir, "pg-damage")
      mkdirSync(base)
      const file = join(base, "t.jsonl")
      for (let n = 0; n < 20; n++) {
        writeFileSync(file, `${JSON.stringify({ type: "user", n, text: "ü".repeat(n * 40) })}\n`, { flag: "a" })
        await runAsPromise(mirrorTranscript(vault, { key, meta: { projectKey: "-chaos", host: "chaos" }, path: file }))
      }
      const original = readFileSync(file)
      await admin.query("CREATE TABLE pristine AS SELECT * FROM cc_sessions_vault_chunks")
      const chunks = (
        await admin.query<{ offset: string }>('SELECT "offset" FROM pristine ORDER BY "offset"')
      ).rows.map((r) => Number(r.offset))
      let refused = 0
      let restored = 0
      let wrong = 0
      let cases = 0
      const damageArb = fc.record({
        kind: fc.constantFrom("flip", "cut", "drop", "digest"),
        chunk: fc.nat(chunks.length - 1),
        at: fc.nat()
      })
      await fc.assert(
        fc.asyncProperty(damageArb, async ({ kind, chunk, at }) => {
          cases++
          await admin.query("DELETE FROM cc_sessions_vault_chunks")
          await admin.query("INSERT INTO cc_sessions_vault_chunks SELECT * FROM pristine")
          const where = `WHERE "offset" = ${chunks[chunk]}`
          if (kind === "flip")
            await admin.query(
              `UPDATE cc_sessions_vault_chunks SET bytes = set_byte(bytes, ${at} % length(bytes), get_byte(bytes, ${at} % length(bytes)) # 1) ${where}`
            )
          else if (kind === "cut")
            await admin.query(
              `UPDATE cc_sessions_vault_chunks SET bytes = substring(bytes from 1 for ${at} % length(bytes)) ${where}`
            )
          else if (kind === "drop") await admin.query(`DELETE FROM cc_sessions_vault_chunks ${where}`)
          else await admin.query(`UPDATE cc_sessions_vault_chunks SET sha256 = md5(sha256) || md5(sha256) ${where}`)
          const target = join(base, `restored-${cases}.jsonl`)
          try {
            await runAsPromise(restoreTranscript(vault, key, target))
            if (readFileSync(target).equals(original)) restored++
            else wrong++
          } catch (error) {
            expect(isVaultError(error)).toBe(true)
            expect(() => statSync(target)).toThrow()
            refused++
          }
        }),
        { numRuns: scale(40, 300) }
      )
      expect(wrong).toBe(0)
      record("vault-pg-damage", { cases, refused, restored, wrong })
    } finally {
      await vault.close()
      await admin.end()
      await server.server.stop()
    }
  })
})
