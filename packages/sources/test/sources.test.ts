import {
  appendFileSync,
  chmodSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  symlinkSync,
  unlinkSync,
  writeFileSync
} from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { makeEvent, openEventLog, type StableId } from "@cc/events"
import { Effect } from "effect"
import { afterEach, beforeEach, describe, expect, it } from "vitest"
import {
  channelCoderPromiseSource,
  collect,
  collectPromise,
  type Discovery,
  detachedLogPromiseSource,
  fromPromiseSource,
  hashPrompt,
  historyPromiseSource,
  jobsPromiseSource,
  readTranscriptHead,
  SourceError,
  sidecarPathFor,
  storePromiseSource,
  toPromiseSource,
  transcriptsPromiseSource,
  transcriptsSource
} from "../src/index.js"

const A = "922c9f63-2669-48ce-8d24-b333a4d2f77a"
const B = "69d43b1c-92a3-4aed-b9ed-9417afacb704"
const S = "cc-session-00000000-0000-4000-8000-000000000001" as StableId
const isRoot = process.getuid?.() === 0
const tags = (ds: Array<Discovery>) => ds.map((d) => d._tag)

let dir: string
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "cc-sources-"))
})
afterEach(() => {
  chmodSync(dir, 0o700)
  rmSync(dir, { recursive: true, force: true })
})

const line = (o: object) => `${JSON.stringify(o)}\n`
const userLine = (sessionId: string, uuid: string, text: string, extra: object = {}) =>
  line({
    type: "user",
    sessionId,
    uuid,
    parentUuid: null,
    cwd: "/w",
    version: "2.1.197",
    timestamp: "2026-11-24T10:00:00.000Z",
    message: { role: "user", content: text },
    ...extra
  })

describe("history source", () => {
  it("reads sessions from history.jsonl, hashing only the first prompt", async () => {
    writeFileSync(
      join(dir, "history.jsonl"),
      line({ display: "first", project: "/w", sessionId: A, timestamp: 1764000000000 }) +
        line({ display: "second", project: "/w", sessionId: A, timestamp: 1764000060000 }) +
        line({ display: "old format without a session", project: "/w", timestamp: 1764000000000 }) +
        "{corrupt\n"
    )
    const found = await collectPromise(historyPromiseSource({ roots: [dir] }))
    expect(tags(found)).toEqual(["SessionFound", "SessionFound", "SourceDiagnostic"])
    expect(found[0]).toMatchObject({ claudeSessionId: A, cwd: "/w", promptHash: hashPrompt("first") })
    expect(found[1]).not.toHaveProperty("promptHash")
    expect(JSON.stringify(found)).not.toContain("second")
  })

  it("says so, and goes on, when there is no history file", async () => {
    expect(await collectPromise(historyPromiseSource({ roots: [join(dir, "missing")] }))).toMatchObject([
      { _tag: "SourceDiagnostic", severity: "info" }
    ])
  })
})

describe("jobs source", () => {
  it("reads claude --bg job states, tolerating unknown fields and bad files", async () => {
    mkdirSync(join(dir, "jobs", "ab12"), { recursive: true })
    mkdirSync(join(dir, "jobs", "cd34"), { recursive: true })
    mkdirSync(join(dir, "jobs", "ef56"), { recursive: true })
    writeFileSync(
      join(dir, "jobs", "ab12", "state.json"),
      JSON.stringify({
        sessionId: A,
        cwd: "/w",
        createdAt: "2026-11-24T10:00:00.000Z",
        state: "running",
        extra: { x: 1 }
      })
    )
    writeFileSync(join(dir, "jobs", "cd34", "state.json"), "{torn")
    writeFileSync(join(dir, "jobs", "ef56", "state.json"), JSON.stringify({ sessionId: "../../etc/passwd" }))
    const found = await collectPromise(jobsPromiseSource({ roots: [dir] }))
    expect(found.filter((d) => d._tag === "SessionFound")).toMatchObject([
      { claudeSessionId: A, cwd: "/w", firstTimestamp: "2026-11-24T10:00:00.000Z" }
    ])
    expect(found.filter((d) => d._tag === "SourceDiagnostic")).toHaveLength(2)
  })
})

describe("ChannelCoder source", () => {
  it("turns placeholder ids into unresolved sessions and real chains into links", async () => {
    mkdirSync(join(dir, "sessions"))
    writeFileSync(
      join(dir, "sessions", "feature-x.json"),
      JSON.stringify({
        sessionChain: [A, B, "detached-1764000000000", "pending"],
        currentSessionId: "pending",
        messages: [{ sessionId: A, role: "user" }],
        metadata: { name: "feature-x", created: "2026-11-24T10:00:00.000Z", lastActive: "2026-11-24T11:00:00.000Z" }
      })
    )
    writeFileSync(join(dir, "sessions", "broken.json"), "[1,2")
    const found = await collectPromise(channelCoderPromiseSource({ home: dir }))
    expect(found.filter((d) => d._tag === "UnresolvedSession")).toMatchObject([
      {
        placeholder: "detached-1764000000000",
        startedAt: new Date(1764000000000).toISOString(),
        reference: "feature-x"
      },
      { placeholder: "pending", startedAt: "2026-11-24T10:00:00.000Z" }
    ])
    expect(
      found.filter((d) => d._tag === "SessionFound").map((d) => d._tag === "SessionFound" && d.claudeSessionId)
    ).toEqual([A, B])
    expect(found.filter((d) => d._tag === "LinkFound")).toMatchObject([{ from: A, to: B, kind: "resume" }])
    expect(found.filter((d) => d._tag === "SourceDiagnostic")).toHaveLength(1)
  })
})

describe("store source", () => {
  it("reports what our event log already knows, with stable ids", async () => {
    const log = await openEventLog({ dir: join(dir, "store") })
    await log.append([
      makeEvent("session.opened", S, { cwd: "/w", mode: "detached" }),
      makeEvent("claude.observed", S, {
        claudeSessionId: A as never,
        source: "stream",
        evidence: "init",
        confidence: 1
      }),
      makeEvent("chain.linked", S, {
        from: A as never,
        to: B as never,
        kind: "resume",
        source: "launcher",
        evidence: "new id on resume"
      })
    ])
    const found = await collectPromise(storePromiseSource(log), { claudeSessionId: B as never })
    expect(
      found
        .filter((d) => d._tag === "SessionFound")
        .map((d) => d._tag === "SessionFound" && [d.claudeSessionId, d.stableId])
    ).toEqual([
      [A, S],
      [B, S]
    ])
    expect(found.filter((d) => d._tag === "LinkFound")).toMatchObject([{ from: A, to: B, stableId: S }])
  })
})

describe("detached log source", () => {
  it("reads the sidecar beside the log, and reports a torn one", async () => {
    const log = join(dir, "output.log")
    writeFileSync(log, line({ type: "system", subtype: "init", session_id: A, cwd: "/w" }))
    expect(sidecarPathFor(log)).toBe(join(dir, "output.session.json"))
    writeFileSync(sidecarPathFor(log), JSON.stringify({ version: 1, stableId: S, claudeSessionId: A, cwd: "/w" }))
    const found = await collectPromise(detachedLogPromiseSource(), { logPath: log })
    expect(
      found.filter((d) => d._tag === "SessionFound").map((d) => d._tag === "SessionFound" && [d.source, d.stableId])
    ).toEqual([
      ["sidecar", S],
      ["detached-log", S]
    ])
    expect(found.at(-1)).toMatchObject({
      _tag: "SourceDiagnostic",
      reason: expect.stringContaining("no result line yet")
    })
    writeFileSync(sidecarPathFor(log), '{"version":1,"stableId":"cc-se')
    const torn = await collectPromise(detachedLogPromiseSource(), { logPath: log })
    expect(torn[0]).toMatchObject({ _tag: "SourceDiagnostic", source: "sidecar" })
    expect(torn.filter((d) => d._tag === "SessionFound")).toHaveLength(1)
  })

  it("reports a missing log instead of failing", async () => {
    const found = await collectPromise(detachedLogPromiseSource(), { logPath: join(dir, "nope.log") })
    expect(found).toMatchObject([{ _tag: "SourceDiagnostic", reason: expect.stringContaining("does not exist") }])
  })
})

describe("transcripts source on bad input", () => {
  const project = () => {
    const p = join(dir, "projects", "-w")
    mkdirSync(p, { recursive: true })
    return p
  }

  it("skips a corrupt line and a partial last line, and still identifies the session", async () => {
    const p = project()
    writeFileSync(join(p, `${A}.jsonl`), `{corrupt\n${userLine(A, "u1", "hello")}{"type":"assistant","sessio`)
    const found = await collectPromise(transcriptsPromiseSource({ roots: [dir] }))
    expect(found.filter((d) => d._tag === "SessionFound")).toMatchObject([
      { claudeSessionId: A, promptHash: hashPrompt("hello") }
    ])
    expect(found.filter((d) => d._tag === "SourceDiagnostic")).toMatchObject([{ reason: "not valid JSON", offset: 0 }])
  })

  it("skips a 50 MB line without holding it in memory", async () => {
    const p = project()
    const path = join(p, `${A}.jsonl`)
    writeFileSync(path, line({ type: "queue-operation", sessionId: A, timestamp: "2026-11-24T10:00:00.000Z" }))
    const chunk = "x".repeat(1024 * 1024)
    appendFileSync(path, '{"type":"attachment","content":"')
    for (let i = 0; i < 50; i++) appendFileSync(path, chunk)
    appendFileSync(path, '"}\n')
    appendFileSync(path, userLine(A, "u1", "after the big line"))
    const before = process.memoryUsage().rss
    const head = await readTranscriptHead(path, { maxBytes: 64 * 1024 * 1024 })
    const grown = process.memoryUsage().rss - before
    expect(head.promptHash).toBe(hashPrompt("after the big line"))
    expect(head.diagnostics).toMatchObject([{ reason: expect.stringContaining("skipped") }])
    expect(grown).toBeLessThan(40 * 1024 * 1024)
  })

  it("a first prompt longer than the head reads: its facts from the line's ends, no first-prompt hash", async () => {
    const p = project()
    const path = join(p, `${A}.jsonl`)
    const chunk = "y".repeat(1024 * 1024)
    appendFileSync(
      path,
      `{"parentUuid":null,"isSidechain":false,"userType":"external","cwd":"/srv/huge","sessionId":"${A}","version":"2.1.332","gitBranch":"main","type":"user","message":{"role":"user","content":"`
    )
    for (let i = 0; i < 20; i++) appendFileSync(path, chunk)
    appendFileSync(path, '"},"uuid":"u-huge","timestamp":"2026-11-24T10:00:00.000Z"}\n')
    appendFileSync(path, userLine(A, "u2", "a later prompt"))
    const head = await readTranscriptHead(path)
    expect(head).toMatchObject({
      sessionId: A,
      cwd: "/srv/huge",
      claudeVersion: "2.1.332",
      firstTimestamp: "2026-11-24T10:00:00.000Z",
      rootUuid: "u-huge"
    })
    // never the later prompt's hash as the first one's
    expect(head.promptHash).toBeUndefined()
  })

  it("goes on past a file that vanishes and a root that is missing", async () => {
    const p = project()
    writeFileSync(join(p, `${A}.jsonl`), userLine(A, "u1", "a"))
    writeFileSync(join(p, `${B}.jsonl`), userLine(B, "u2", "b"))
    // a dangling symlink stands for a file deleted between readdir and open
    symlinkSync(join(dir, "gone.jsonl"), join(p, "0f0f0f0f-1111-4222-8333-444444444444.jsonl"))
    const found = await collectPromise(transcriptsPromiseSource({ roots: [join(dir, "missing"), dir] }))
    expect(found.filter((d) => d._tag === "SessionFound")).toHaveLength(2)
    expect(found.filter((d) => d._tag === "SourceDiagnostic").length).toBeGreaterThanOrEqual(1)
    unlinkSync(join(p, "0f0f0f0f-1111-4222-8333-444444444444.jsonl"))
  })

  it.skipIf(isRoot)("reports a folder it may not read", async () => {
    const p = project()
    writeFileSync(join(p, `${A}.jsonl`), userLine(A, "u1", "a"))
    chmodSync(p, 0o000)
    const found = await collectPromise(transcriptsPromiseSource({ roots: [dir] }))
    chmodSync(p, 0o700)
    expect(found).toMatchObject([{ _tag: "SourceDiagnostic", reason: expect.stringContaining("no permission") }])
  })

  it("ignores subagent transcripts: they belong to their parent session", async () => {
    const p = project()
    writeFileSync(join(p, `${A}.jsonl`), userLine(A, "u1", "parent"))
    writeFileSync(join(p, `${B}.jsonl`), userLine(A, "s1", "subagent task", { isSidechain: true }))
    mkdirSync(join(p, A, "subagents"), { recursive: true })
    writeFileSync(join(p, A, "subagents", "agent-1.jsonl"), userLine(A, "s2", "task", { isSidechain: true }))
    const found = await collectPromise(transcriptsPromiseSource({ roots: [dir] }))
    expect(
      found.filter((d) => d._tag === "SessionFound").map((d) => d._tag === "SessionFound" && d.claudeSessionId)
    ).toEqual([A])
  })

  it("never joins a hostile id into a path", async () => {
    project()
    const found = await collectPromise(transcriptsPromiseSource({ roots: [dir] }), {
      claudeSessionId: "../../../etc/passwd" as never
    })
    expect(found.filter((d) => d._tag === "SessionFound")).toEqual([])
  })
})

describe("the plugin API", () => {
  it("wraps Promise sources as Effect sources and back; a throwing plugin becomes a SourceError", async () => {
    const broken = fromPromiseSource({
      name: "broken",
      // biome-ignore lint/correctness/useYield: it fails before yielding, on purpose
      discover: async function* () {
        throw new Error("disk on fire")
      }
    })
    const exit = await Effect.runPromiseExit(collect(broken))
    expect(exit._tag).toBe("Failure")
    expect(JSON.stringify(exit)).toContain("disk on fire")
    await expect(Effect.runPromise(collect(broken))).rejects.toBeDefined()
    const roundTrip = toPromiseSource(transcriptsSource({ roots: [join(dir, "none")] }))
    expect(await collectPromise(roundTrip)).toMatchObject([{ _tag: "SourceDiagnostic" }])
    expect(SourceError).toBeDefined()
  })
})
