import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { eventListArb } from "../src/arbitraries.js"
import {
  type ClaudeSessionId,
  emptyFoldState,
  evolve,
  Folder,
  fold,
  MAX_EVIDENCE,
  makeEvent,
  restoreSnapshot,
  type SessionEvent,
  type StableId,
  sessionMap,
  snapshot
} from "../src/index.js"

const S = "cc-session-00000000-0000-4000-8000-000000000001" as StableId
const A = "922c9f63-2669-48ce-8d24-b333a4d2f77a" as ClaudeSessionId
const B = "69d43b1c-92a3-4aed-b9ed-9417afacb704" as ClaudeSessionId
const C = "87295de4-316e-4bb6-b994-7fb59839e6f9" as ClaudeSessionId
const F = "bf5d7308-0564-4ae7-a0a6-0b19ca61848a" as ClaudeSessionId

const at = (minute: number) => new Date(Date.UTC(2026, 10, 24, 10, minute)).toISOString()

describe("fold laws", () => {
  it("is idempotent: replaying any events changes nothing", () => {
    fc.assert(
      fc.property(eventListArb(), fc.array(fc.nat()), (events, picks) => {
        const replays = picks.map((i) => events[i % Math.max(1, events.length)]).filter((e) => e !== undefined)
        expect(fold([...events, ...replays])).toEqual(fold(events))
        expect(fold(events, fold(events))).toEqual(fold(events))
      })
    )
  })

  it("does not depend on the order of observations", () => {
    fc.assert(
      fc.property(eventListArb(), fc.func(fc.integer()), (events, key) => {
        const shuffled = [...events].sort((a, b) => key(a.id) - key(b.id) || (a.id < b.id ? -1 : 1))
        expect(fold(shuffled)).toEqual(fold(events))
        expect(sessionMap(fold(shuffled))).toEqual(sessionMap(fold(events)))
      })
    )
  })

  it("resumes from a snapshot: fold(a ++ b) = fold(b) from snapshot(fold(a))", () => {
    fc.assert(
      fc.property(eventListArb(), fc.nat(), (events, cut) => {
        const k = events.length === 0 ? 0 : cut % (events.length + 1)
        const a = events.slice(0, k)
        const b = events.slice(k)
        const restored = restoreSnapshot(snapshot(fold(a)))
        expect(restored).toBeDefined()
        expect(fold(b, restored)).toEqual(fold(events))
      })
    )
  })

  it("a folder read between its events says what a fold of the same events says", () => {
    fc.assert(
      fc.property(eventListArb(), fc.array(fc.nat(), { maxLength: 6 }), (events, cuts) => {
        // read every record at each cut (a long-lived reader's records are frozen, then moved on)
        const folder = new Folder()
        let from = 0
        for (const cut of [...cuts.map((c) => c % (events.length + 1)), events.length].sort((a, b) => a - b)) {
          folder.apply(events.slice(from, cut))
          from = cut
          for (const id of folder.ids()) expect(folder.record(id)).toEqual(fold(events.slice(0, cut)).sessions[id])
        }
        expect(folder.state()).toEqual(fold(events))
      }),
      { numRuns: 200 }
    )
  })

  it("evolve is fold of one event and leaves its input untouched", () => {
    fc.assert(
      fc.property(eventListArb(), (events) => {
        let state = emptyFoldState
        for (const event of events) {
          const before = JSON.stringify(state)
          const next = evolve(state, event)
          expect(JSON.stringify(state)).toBe(before)
          state = next
        }
        expect(state).toEqual(fold(events))
      })
    )
  })

  it("keeps a bounded amount of evidence per fact, the same whatever the order", () => {
    fc.assert(
      fc.property(fc.integer({ min: 17, max: 60 }), fc.func(fc.integer()), (n, key) => {
        const id = "922c9f63-2669-48ce-8d24-b333a4d2f77a" as ClaudeSessionId
        const session = "cc-session-00000000-0000-4000-8000-000000000001" as StableId
        const events = Array.from({ length: n }, (_, i) =>
          makeEvent(
            "claude.observed",
            session,
            { claudeSessionId: id, source: `s${i % 3}`, evidence: `e${i}`, confidence: 0.5 },
            { at: new Date(Date.UTC(2026, 0, 1, 0, i)) }
          )
        )
        const shuffled = [...events].sort((a, b) => key(a.id) - key(b.id))
        const state = fold(shuffled)
        expect(state).toEqual(fold(events))
        const evidence = state.sessions[session]?.claude[id]?.evidence ?? []
        expect(evidence).toHaveLength(MAX_EVIDENCE)
        expect(evidence.map((e) => e.evidence).sort()).toEqual(
          events
            .slice(0, MAX_EVIDENCE)
            .map((e) => e.payload.evidence)
            .sort()
        )
      })
    )
  })

  it("a corrupt snapshot is refused, not trusted", () => {
    expect(restoreSnapshot("{not json")).toBeUndefined()
    expect(restoreSnapshot(JSON.stringify({ version: 2, seen: [], sessions: {} }))).toBeUndefined()
  })
})

describe("session map", () => {
  const opened = makeEvent("session.opened", S, { cwd: "/srv/legacy", mode: "detached" }, { at: at(0) })
  const observe = (id: ClaudeSessionId, minute: number, source = "transcripts") =>
    makeEvent(
      "claude.observed",
      S,
      { claudeSessionId: id, source, evidence: "test", confidence: 1 },
      { at: at(minute) }
    )
  const link = (from: ClaudeSessionId, to: ClaudeSessionId, kind: "resume" | "fork", minute: number) =>
    makeEvent("chain.linked", S, { from, to, kind, source: "transcripts", evidence: "leafUuid" }, { at: at(minute) })

  it("orders a 1.0.x resume chain by its links, not by when we learnt of each id", () => {
    // C is seen first (a scan found the newest file first); the links give the true order
    const events: Array<SessionEvent> = [
      opened,
      observe(C, 1),
      observe(A, 2),
      observe(B, 3),
      link(B, C, "resume", 4),
      link(A, B, "resume", 5)
    ]
    const view = sessionMap(fold(events)).sessions.get(S)
    expect(view?.claudeSessionIds).toEqual([A, B, C])
    expect(view?.latestClaudeSessionId).toBe(C)
    expect(view?.cwd).toBe("/srv/legacy")
    expect(view?.provenance[A]?.sources).toEqual(["transcripts"])
  })

  it("keeps forks out of the chain and lists them", () => {
    const events = [opened, observe(A, 1), link(A, F, "fork", 2)]
    const view = sessionMap(fold(events)).sessions.get(S)
    expect(view?.claudeSessionIds).toEqual([A])
    expect(view?.forks).toEqual([{ from: A, to: F, at: at(2) }])
  })

  it("derives status from runs, whatever order their events arrive in", () => {
    const started = makeEvent("run.started", S, { runId: "r1", pid: 42 }, { at: at(1) })
    const failed = makeEvent(
      "run.finished",
      S,
      { runId: "r1", exitCode: 0, isError: true, resultSubtype: "success" },
      { at: at(2) }
    )
    expect(sessionMap(fold([opened])).sessions.get(S)?.status).toBe("opened")
    expect(sessionMap(fold([opened, started])).sessions.get(S)?.status).toBe("running")
    expect(sessionMap(fold([failed, opened, started])).sessions.get(S)?.status).toBe("failed")
  })

  it("names the host a session was opened on, each run's and each transcript's, from version-2 events", () => {
    const on = (host: string) => ({ host })
    const events: Array<SessionEvent> = [
      makeEvent("session.opened", S, { cwd: "/w", mode: "detached" }, on("laptop")),
      makeEvent("run.started", S, { runId: "r1" }, on("laptop")),
      makeEvent("run.started", S, { runId: "r2", host: "ci-7" }, on("laptop")),
      makeEvent(
        "claude.observed",
        S,
        { claudeSessionId: A, source: "transcripts", evidence: "x", confidence: 1, transcriptPath: "/h/a.jsonl" },
        on("ci-7")
      ),
      makeEvent(
        "claude.observed",
        S,
        { claudeSessionId: A, source: "transcripts", evidence: "y", confidence: 1, transcriptPath: "/h/a.jsonl" },
        on("laptop")
      )
    ]
    // a version-1 event (no host) says nothing of hosts
    const { host: _host, ...old } = makeEvent("claude.observed", S, {
      claudeSessionId: B,
      source: "transcripts",
      evidence: "z",
      confidence: 1,
      transcriptPath: "/h/b.jsonl"
    })
    const view = sessionMap(fold([...events, { ...old, v: 1 } as SessionEvent])).sessions.get(S)
    expect(view).toMatchObject({
      host: "laptop",
      hosts: ["ci-7", "laptop"],
      transcriptHosts: { "/h/a.jsonl": ["ci-7", "laptop"] }
    })
    expect(view?.runs.map((r) => [r.runId, r.started?.host])).toEqual([
      ["r1", "laptop"],
      ["r2", "ci-7"]
    ])
    expect(view?.transcripts).toEqual(["/h/a.jsonl", "/h/b.jsonl"])
  })

  it("indexes Claude ids back to stable ids", () => {
    const map = sessionMap(fold([opened, observe(A, 1)]))
    expect(map.byClaudeId.get(A)).toEqual([S])
  })
})
