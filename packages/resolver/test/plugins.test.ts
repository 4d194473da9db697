import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { makeEvent, newStableId } from "@cc/events"
import { channelCoderPromiseSource, type Discovery, type PromiseSource, type Source } from "@cc/sources"
import * as Stream from "effect/Stream"
import { afterEach, beforeEach, describe, expect, it } from "vitest"
import { AmbiguousSession, InvalidReference, openResolver, SessionNotFound } from "../src/index.js"

let dir: string
let home: string
let ccHome: string
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "cc-resolver-plugins-"))
  home = join(dir, "claude")
  ccHome = join(dir, "channelcoder")
  mkdirSync(join(ccHome, "sessions"), { recursive: true })
})
afterEach(() => rmSync(dir, { recursive: true, force: true }))

const uuid = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, "0")}`

/** A transcript as Claude 2.1.x writes it: its first user line carries the prompt. */
const transcript = (id: string, cwd: string, at: Date, prompt: string, extra: Array<object> = []) => {
  const folder = join(home, "projects", cwd.replace(/[^a-zA-Z0-9]/g, "-"))
  mkdirSync(folder, { recursive: true })
  const lines = [
    {
      type: "user",
      uuid: `${id.slice(0, 24)}aaaaaaaaaaaa`,
      parentUuid: null,
      sessionId: id,
      cwd,
      version: "2.1.197",
      timestamp: at.toISOString(),
      message: { role: "user", content: prompt }
    },
    ...extra
  ]
  writeFileSync(join(folder, `${id}.jsonl`), `${lines.map((l) => JSON.stringify(l)).join("\n")}\n`)
}

const ccSession = (name: string, state: object) =>
  writeFileSync(join(ccHome, "sessions", `${name}.json`), JSON.stringify(state, null, 2))

const open = (sources: ReadonlyArray<Source | PromiseSource> = [channelCoderPromiseSource({ home: ccHome })]) =>
  openResolver({ storeDir: join(dir, "store"), claudeHomes: [home], persistIndex: false, useGit: false, sources })

const T0 = new Date("2026-11-20T10:00:00.000Z")
const later = (ms: number) => new Date(T0.getTime() + ms)

describe("ChannelCoder placeholders", () => {
  it("resolves detached-<ms> by its prompt and time, with no cwd, by placeholder and by name", async () => {
    transcript(uuid(1), "/w/app", later(800), "refactor the parser")
    transcript(uuid(2), "/w/app", later(900), "something else")
    ccSession("refactor", {
      sessionChain: [`detached-${T0.getTime()}`],
      currentSessionId: `detached-${T0.getTime()}`,
      messages: [
        {
          role: "user",
          content: "refactor the parser",
          timestamp: T0.toISOString(),
          sessionId: `detached-${T0.getTime()}`
        }
      ],
      metadata: { name: "refactor", created: T0.toISOString(), lastActive: T0.toISOString() }
    })
    const { resolver } = await open()
    for (const reference of [`detached-${T0.getTime()}`, "channelcoder:refactor"]) {
      const r = await resolver.resolve(reference)
      expect(r).toMatchObject({
        claudeSessionIds: [uuid(1)],
        latestClaudeSessionId: uuid(1),
        resolvedBy: "channelcoder",
        cwd: "/w/app"
      })
      expect(r.confidence).toBeGreaterThan(0.9)
      expect(r.evidence.join(" ")).toMatch(/matched by first prompt, start 0.8 s from the recorded time/)
    }
    const [outcome] = await resolver.unresolvedRuns()
    expect(outcome).toMatchObject({
      _tag: "Resolved",
      claudeSessionId: uuid(1),
      run: { reference: "refactor", label: "channelcoder:refactor" }
    })
    // the prompt never leaves the source: only its hash does
    expect(JSON.stringify(outcome)).not.toContain("refactor the parser")
  })

  it("gives two sessions started in the same second their own ids, and calls the same prompt twice ambiguous", async () => {
    transcript(uuid(1), "/w/a", later(500), "prompt one")
    transcript(uuid(2), "/w/b", later(600), "prompt two")
    transcript(uuid(3), "/w/c", later(700), "same prompt")
    transcript(uuid(4), "/w/d", later(900), "same prompt")
    const state = (prompt: string, ms: number) => ({
      sessionChain: [`detached-${ms}`],
      currentSessionId: `detached-${ms}`,
      messages: [{ role: "user", content: prompt, timestamp: new Date(ms).toISOString(), sessionId: `detached-${ms}` }],
      metadata: { name: "x", created: new Date(ms).toISOString(), lastActive: new Date(ms).toISOString() }
    })
    ccSession("one", state("prompt one", T0.getTime()))
    ccSession("two", state("prompt two", T0.getTime() + 1))
    ccSession("twin-a", state("same prompt", T0.getTime() + 2))
    ccSession("twin-b", state("same prompt", T0.getTime() + 3))
    const { resolver } = await open()
    expect((await resolver.resolve("channelcoder:one")).claudeSessionIds).toEqual([uuid(1)])
    expect((await resolver.resolve("channelcoder:two")).claudeSessionIds).toEqual([uuid(2)])
    const twin = await resolver.resolve("channelcoder:twin-a").catch((e: unknown) => e)
    expect(twin).toBeInstanceOf(AmbiguousSession)
    expect((twin as AmbiguousSession).candidates.map((c) => c.claudeSessionId).sort()).toEqual([uuid(3), uuid(4)])
  })

  it("resolves each stream run's pending message, and a session of several runs gives the whole chain", async () => {
    transcript(uuid(1), "/w/app", later(300), "first stream")
    transcript(uuid(2), "/w/app", later(65_000), "second stream")
    ccSession("streams", {
      sessionChain: [],
      messages: [
        { role: "user", content: "first stream", timestamp: T0.toISOString(), sessionId: "pending" },
        { role: "assistant", content: "ok", timestamp: T0.toISOString(), sessionId: "pending" },
        { role: "user", content: "second stream", timestamp: later(64_000).toISOString(), sessionId: "pending" }
      ],
      metadata: { name: "streams", created: T0.toISOString(), lastActive: later(64_000).toISOString() }
    })
    const { resolver } = await open()
    const outcomes = await resolver.unresolvedRuns()
    expect(outcomes.map((o) => o._tag === "Resolved" && o.claudeSessionId)).toEqual([uuid(1), uuid(2)])
    expect(outcomes.map((o) => o.run.position)).toEqual([0, 2])
    expect((await resolver.resolve("channelcoder:streams")).claudeSessionIds).toEqual([uuid(1), uuid(2)])
  })

  it("says why a placeholder cannot be resolved, and reports a half-written session file", async () => {
    ccSession("lost", {
      sessionChain: [`detached-${T0.getTime()}`],
      messages: [
        { role: "user", content: "never ran", timestamp: T0.toISOString(), sessionId: `detached-${T0.getTime()}` }
      ],
      metadata: { name: "lost", created: T0.toISOString(), lastActive: T0.toISOString() }
    })
    writeFileSync(join(ccHome, "sessions", "torn.json"), '{"sessionChain": ["detached-17')
    const { resolver } = await open()
    const [outcome] = await resolver.unresolvedRuns()
    expect(outcome).toMatchObject({
      _tag: "Unresolved",
      reason: expect.stringMatching(/no transcript with this run's first prompt/)
    })
    expect(resolver.sourceDiagnostics()).toMatchObject([
      { source: "channelcoder", severity: "warning", reason: expect.stringMatching(/not valid JSON/) }
    ])
    await expect(resolver.resolve("channelcoder:lost")).rejects.toBeInstanceOf(SessionNotFound)
    await expect(resolver.resolve("channelcoder:nobody")).rejects.toBeInstanceOf(SessionNotFound)
  })

  it("answers a label given by recover --adopt from the event log", async () => {
    transcript(uuid(1), "/w/app", later(800), "labeled run")
    const { resolver, log } = await open()
    const id = newStableId()
    await log.append([
      makeEvent("session.opened", id, { cwd: "/w/app", mode: "detached" }, { at: T0.toISOString() }),
      makeEvent("session.labeled", id, { label: "channelcoder:adopted" }),
      makeEvent("claude.observed", id, {
        claudeSessionId: uuid(1) as never,
        source: "channelcoder",
        evidence: "x",
        confidence: 0.95
      })
    ])
    expect(await resolver.resolve("channelcoder:adopted")).toMatchObject({
      stableId: id,
      claudeSessionIds: [uuid(1)],
      resolvedBy: "store"
    })
  })
})

describe("plugin sources", () => {
  it("asks a source at the layer its cost names, records what it found under its name", async () => {
    const asked: Array<string> = []
    const source = (
      name: string,
      cost: "cheap" | "moderate" | "expensive",
      answer: (q: { stableId?: string }) => Array<Discovery>
    ): PromiseSource => ({
      name,
      cost,
      discover: async function* (query) {
        asked.push(name)
        yield* answer(query)
      }
    })
    const id = newStableId()
    const sources = [
      source("late", "expensive", () => []),
      source("middle", "moderate", () => []),
      source("early", "cheap", (q) =>
        q.stableId === id
          ? [
              {
                _tag: "SessionFound",
                source: "early",
                claudeSessionId: uuid(7) as never,
                stableId: id,
                confidence: 0.8,
                evidence: "its own state file"
              }
            ]
          : []
      )
    ]
    const { resolver, log } = await open(sources)
    await log.append([makeEvent("session.opened", id, { cwd: "/w/x", mode: "detached" })])
    const r = await resolver.resolve(id)
    expect(r).toMatchObject({ claudeSessionIds: [uuid(7)], resolvedBy: "early", searched: ["store", "early"] })
    expect(asked).toEqual(["early"])
    const { events } = await log.read()
    expect(events.at(-1)?.event).toMatchObject({
      type: "claude.observed",
      payload: { source: "early", evidence: "its own state file" }
    })
    // asked once: the next resolution stops at the event log
    await resolver.resolve(id)
    expect(asked).toEqual(["early"])
  })

  it("takes Effect sources too, and skips one that throws, saying so", async () => {
    const problems: Array<string> = []
    const effectSource: Source = {
      name: "effect-one",
      cost: "moderate",
      discover: () =>
        Stream.make({
          _tag: "SourceDiagnostic",
          source: "effect-one",
          severity: "info",
          reason: "nothing here"
        } as const)
    }
    const broken: PromiseSource = {
      name: "broken",
      discover: async function* () {
        yield* []
        throw new Error("plugin exploded")
      }
    }
    const resolver = (
      await openResolver({
        storeDir: join(dir, "store"),
        claudeHomes: [home],
        persistIndex: false,
        sources: [broken, effectSource],
        onSourceProblem: (p) => problems.push(`${p.source}: ${p.message}`)
      })
    ).resolver
    await expect(resolver.resolve("no-such-name")).rejects.toBeInstanceOf(SessionNotFound)
    expect(problems).toEqual(["broken: plugin exploded"])
    expect(resolver.sourceDiagnostics()).toMatchObject([{ source: "effect-one", reason: "nothing here" }])
  })

  it("keeps calling garbage a bad reference when no source is configured", async () => {
    const { resolver } = await open([])
    await expect(resolver.resolve("no-such-name")).rejects.toBeInstanceOf(InvalidReference)
  })
})
