import { cpSync, mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { makeEvent, newStableId, type StableId } from "@cc/events"
import { hashPrompt } from "@cc/sources"
import { afterEach, beforeEach, describe, expect, it } from "vitest"
import {
  AmbiguousSession,
  encodeToken,
  InvalidReference,
  InvalidToken,
  openResolver,
  SessionNotFound
} from "../src/index.js"

const fixtures = resolve(import.meta.dirname, "../../../fixtures/real-cli")
const OLD = [
  "922c9f63-2669-48ce-8d24-b333a4d2f77a",
  "69d43b1c-92a3-4aed-b9ed-9417afacb704",
  "87295de4-316e-4bb6-b994-7fb59839e6f9"
]
const RUN = "c1812308-e78e-4adc-996b-5f41f914b13c"
const FORK = "bf5d7308-0564-4ae7-a0a6-0b19ca61848a"
const WORKTREE = "2002691d-86fc-488e-ae9c-92d39a4f0e1b"

let dir: string
let home: string
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "cc-resolver-"))
  home = join(dir, "claude")
  cpSync(join(fixtures, "claude-home"), home, { recursive: true })
})
afterEach(() => rmSync(dir, { recursive: true, force: true }))

const open = (persistIndex = true) =>
  openResolver({ storeDir: join(dir, "store"), claudeHomes: [home], persistIndex, useGit: false })

describe("resolving Claude ids with an empty store (transcripts only)", () => {
  it("finds the whole 1.0.30 chain from any member, in order", async () => {
    const { resolver } = await open()
    for (const id of OLD) {
      const r = await resolver.resolve(id)
      expect(r).toMatchObject({
        stableId: null,
        claudeSessionIds: OLD,
        latestClaudeSessionId: OLD[2],
        resolvedBy: "transcripts",
        cwd: "/srv/cc-fixtures/legacy"
      })
      expect(r.transcripts).toHaveLength(3)
    }
  })

  it("keeps a 2.1.x fork out of the chain and lists it", async () => {
    const { resolver } = await open()
    expect(await resolver.resolve(RUN)).toMatchObject({ claudeSessionIds: [RUN], forks: [{ from: RUN, to: FORK }] })
    expect(await resolver.resolve(FORK)).toMatchObject({ claudeSessionIds: [FORK], latestClaudeSessionId: FORK })
  })

  it("resolves a unique prefix, and lists candidates for an ambiguous one", async () => {
    const { resolver } = await open()
    expect((await resolver.resolve("922c9f")).claudeSessionIds).toEqual(OLD)
    const { log } = await open()
    const a = "cc-session-abcd0000-0000-4000-8000-000000000001" as StableId
    const b = "cc-session-abcd0000-0000-4000-8000-000000000002" as StableId
    await log.append([
      makeEvent("session.opened", a, { cwd: "/x", mode: "run" }),
      makeEvent("session.opened", b, { cwd: "/x", mode: "run" })
    ])
    const error = await resolver.resolve("cc-session-abcd").catch((e: unknown) => e)
    expect(error).toBeInstanceOf(AmbiguousSession)
    expect((error as AmbiguousSession).candidates.map((c) => c.stableId).sort()).toEqual([a, b])
  })

  it("gives typed errors: not found (with the layers searched), bad reference, bad token", async () => {
    const { resolver } = await open()
    const missing = await resolver.resolve("99999999-9999-4999-8999-999999999999").catch((e: unknown) => e)
    expect(missing).toBeInstanceOf(SessionNotFound)
    expect((missing as SessionNotFound).searched).toEqual(["store", "transcripts", "history", "jobs"])
    await expect(resolver.resolve(newStableId())).rejects.toMatchObject({
      _tag: "SessionNotFound",
      searched: ["store"]
    })
    await expect(resolver.resolve("hello world")).rejects.toBeInstanceOf(InvalidReference)
    await expect(resolver.resolve("cct1.abc")).rejects.toBeInstanceOf(InvalidToken)
  })

  it("finds the latest session of a cwd", async () => {
    const { resolver } = await open()
    expect((await resolver.latestInCwd("/srv/cc-fixtures/legacy")).latestClaudeSessionId).toBe(OLD[2])
    expect((await resolver.latestInCwd("/srv/cc-fixtures/app")).cwd).toBe("/srv/cc-fixtures/app")
  })
})

describe("continuation tokens", () => {
  it("resolve with an empty store, from transcripts alone", async () => {
    const { resolver } = await open(false)
    const token = encodeToken({
      startedAt: new Date("2026-11-24T15:25:29.500Z"),
      cwd: "/srv/cc-fixtures/legacy",
      promptHash: hashPrompt("old: first prompt")
    })
    expect(await resolver.resolve(token)).toMatchObject({ claudeSessionIds: OLD, resolvedBy: "token" })
  })

  it("pick the original over its fork (same first prompt)", async () => {
    const { resolver } = await open(false)
    const token = encodeToken({
      startedAt: new Date("2026-11-24T15:25:21.000Z"),
      cwd: "/srv/cc-fixtures/app",
      promptHash: hashPrompt("new: first prompt")
    })
    expect((await resolver.resolve(token)).claudeSessionIds).toEqual([RUN])
  })

  it("find a worktree session from the main checkout's cwd", async () => {
    const { resolver } = await open(false)
    const token = encodeToken({
      startedAt: new Date("2026-11-24T15:25:27.000Z"),
      cwd: "/srv/cc-fixtures/app",
      promptHash: hashPrompt("new: worktree prompt")
    })
    expect((await resolver.resolve(token)).claudeSessionIds).toEqual([WORKTREE])
  })

  it("report not found outside the time window", async () => {
    const { resolver } = await open(false)
    const token = encodeToken({
      startedAt: new Date("2026-11-20T00:00:00.000Z"),
      cwd: "/srv/cc-fixtures/legacy",
      promptHash: hashPrompt("old: first prompt")
    })
    await expect(resolver.resolve(token)).rejects.toBeInstanceOf(SessionNotFound)
  })
})

describe("a detached run we launched but never read", () => {
  it("is found in the transcripts, recorded, and next time answered by the store", async () => {
    const { resolver, log } = await open()
    const id = newStableId()
    await log.append([
      makeEvent(
        "session.opened",
        id,
        { cwd: "/srv/cc-fixtures/legacy", mode: "detached", promptHash: hashPrompt("old: first prompt") },
        { at: "2026-11-24T15:25:29.000Z" }
      )
    ])
    const first = await resolver.resolve(id)
    expect(first).toMatchObject({ stableId: id, claudeSessionIds: OLD, resolvedBy: "transcripts" })
    expect(first.searched).toEqual(["store", "history", "jobs", "transcripts"])
    const second = await resolver.resolve(id)
    expect(second).toMatchObject({ stableId: id, claudeSessionIds: OLD, resolvedBy: "store" })
    // and the reverse lookup now knows its stable id
    expect((await resolver.resolve(OLD[1] as string)).stableId).toBe(id)
  })

  it("is read from its own log when it has one", async () => {
    const { resolver, log } = await open()
    const id = newStableId()
    await log.append([
      makeEvent("session.opened", id, {
        cwd: "/srv/cc-fixtures/legacy",
        mode: "detached",
        logPath: join(fixtures, "logs", "old-run.log")
      })
    ])
    expect(await resolver.resolve(id)).toMatchObject({
      claudeSessionIds: [OLD[0]],
      resolvedBy: "detached-log",
      searched: ["store", "detached-log"]
    })
  })

  it("is an ambiguity, never a guess, when two sessions fit equally", async () => {
    const { resolver, log } = await open()
    const id = newStableId()
    // no prompt hash, a start between several app sessions: more than one fits
    await log.append([
      makeEvent(
        "session.opened",
        id,
        { cwd: "/srv/cc-fixtures/app", mode: "detached" },
        { at: "2026-11-24T15:25:20.000Z" }
      )
    ])
    const error = await resolver.resolve(id).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(AmbiguousSession)
    expect((error as AmbiguousSession).candidates.length).toBeGreaterThan(1)
  })
})

describe("cache on = cache off", () => {
  it("gives the same answers from a warm persisted index and from a fresh scan", async () => {
    const warm = await open(true)
    await warm.cache.refresh()
    const warmAgain = await open(true)
    const cold = await open(false)
    for (const id of [...OLD, RUN, FORK, WORKTREE]) {
      const a = await warmAgain.resolver.resolve(id)
      const b = await cold.resolver.resolve(id)
      expect(a).toEqual(b)
    }
  })
})

describe("reading the event log", () => {
  it("folds the whole log once (from a snapshot, where the store keeps one), then reads only what was appended", async () => {
    const { openMemoryEventLog, toEventLog } = await import("@cc/events")
    const inner = openMemoryEventLog()
    let streams = 0
    let reads: Array<number> = []
    const log = toEventLog({
      ...inner.effect,
      stream: (options) => {
        streams++
        return inner.effect.stream(options)
      },
      read: (options) => {
        reads.push(options?.from ?? 0)
        return inner.effect.read(options)
      }
    })
    const { resolver } = await openResolver({
      storeDir: join(dir, "store"),
      claudeHomes: [home],
      persistIndex: false,
      useGit: false,
      log
    })
    // an empty log, asked about again and again (recover asks once per transcript)
    for (let i = 0; i < 5; i++) await resolver.sessions()
    expect(streams).toBe(1)
    const id = newStableId()
    await log.append([makeEvent("session.opened", id, { cwd: "/w", mode: "run" })])
    reads = []
    expect((await resolver.sessions()).sessions.has(id)).toBe(true)
    expect(streams).toBe(1)
    expect(reads).toEqual([0])
    reads = []
    await resolver.sessions()
    expect(reads).toEqual([1])
  })
})
