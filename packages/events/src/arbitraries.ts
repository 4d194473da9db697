/**
 * fast-check arbitraries for events, shared by this package's property tests and by the
 * conformance suite (so that any store is checked against the same generated histories).
 */
import fc from "fast-check"
import { makeEvent } from "./codec.js"
import { ClaudeSessionId, EventId, StableId } from "./ids.js"
import type { KnownEvent, SessionEvent, SessionMode } from "./schema.js"

const hex = (n: number, width: number): string => n.toString(16).padStart(width, "0")
const uuidFrom = (n: number): string => `${hex(n, 8)}-0000-4000-8000-${hex(n, 12)}`

/** A small pool of stable ids and Claude ids, so generated events collide and link. */
export const stableIdArb = (pool = 4): fc.Arbitrary<StableId> =>
  fc.integer({ min: 1, max: pool }).map((n) => StableId.make(`cc-session-${uuidFrom(n)}`))

export const claudeIdArb = (pool = 8): fc.Arbitrary<ClaudeSessionId> =>
  fc.integer({ min: 1, max: pool }).map((n) => ClaudeSessionId.make(uuidFrom(0x1000 + n)))

const timestampArb = fc
  .integer({ min: Date.UTC(2025, 0, 1), max: Date.UTC(2026, 11, 31) })
  .map((ms) => new Date(ms).toISOString())

const modeArb: fc.Arbitrary<SessionMode> = fc.constantFrom("run", "stream", "interactive", "detached")
const textArb = fc.string({ maxLength: 24 })
const hashArb = fc.stringMatching(/^[0-9a-f]{64}$/)

/** Arbitrary valid known events with unique ids. */
export const knownEventArb: fc.Arbitrary<KnownEvent> = fc
  .tuple(fc.uuid({ version: 4 }), stableIdArb(), timestampArb, fc.constantFrom("host-a", "host-b", undefined))
  .chain(([uuid, session, at, host]) => {
    const options = { id: EventId.make(uuid), at, ...(host === undefined ? {} : { host }) }
    // no host: an event as version 1 wrote it (no host field), which every reader still reads
    const written = (event: KnownEvent): KnownEvent => {
      if (host !== undefined) return event
      const { host: _host, ...rest } = event
      return { ...rest, v: 1 } as KnownEvent
    }
    return fc
      .oneof(
        fc
          .record({
            cwd: fc.constantFrom("/srv/app", "/srv/app.worktrees/x", "/tmp/w"),
            mode: modeArb,
            hash: fc.option(hashArb, { nil: undefined }),
            logPath: fc.option(fc.constantFrom("/tmp/run.log", "/srv/logs/a b.log"), { nil: undefined }),
            forkOf: fc.option(stableIdArb(), { nil: undefined }),
            entrypoint: fc.option(fc.constantFrom("sdk-ts", "cc-session"), { nil: undefined })
          })
          .map(({ cwd, mode, hash, logPath, forkOf, entrypoint }) =>
            makeEvent(
              "session.opened",
              session,
              {
                cwd,
                mode,
                ...(hash === undefined ? {} : { promptHash: hash }),
                ...(logPath === undefined ? {} : { logPath }),
                ...(forkOf === undefined ? {} : { forkOf }),
                ...(entrypoint === undefined ? {} : { entrypoint })
              },
              options
            )
          ),
        fc
          .record({
            id: claudeIdArb(),
            source: fc.constantFrom("stream", "sidecar", "transcripts", "history"),
            confidence: fc.double({ min: 0, max: 1, noNaN: true }),
            evidence: textArb,
            transcriptPath: fc.option(fc.constantFrom("/h/projects/-srv-app/x.jsonl", "/h/p/y.jsonl"), {
              nil: undefined
            })
          })
          .map(({ id, source, confidence, evidence, transcriptPath }) =>
            makeEvent(
              "claude.observed",
              session,
              {
                claudeSessionId: id,
                source,
                evidence,
                confidence,
                ...(transcriptPath === undefined ? {} : { transcriptPath })
              },
              options
            )
          ),
        fc
          .record({
            from: claudeIdArb(),
            to: claudeIdArb(),
            kind: fc.constantFrom("resume", "fork", "continue", "compact" as const)
          })
          .map(({ from, to, kind }) =>
            makeEvent("chain.linked", session, { from, to, kind, source: "transcripts", evidence: "leafUuid" }, options)
          ),
        fc
          .record(
            {
              run: fc.constantFrom("r1", "r2"),
              pid: fc.integer({ min: 1, max: 99999 }),
              pidStart: fc.constantFrom("123456", "0"),
              supervisorPid: fc.integer({ min: 1, max: 99999 }),
              supervisorStart: fc.constantFrom("7", "99"),
              host: fc.constantFrom("host-a", "host-b"),
              mode: modeArb,
              claudeSessionId: claudeIdArb(),
              logPath: fc.constantFrom("/tmp/run.log")
            },
            { requiredKeys: ["run"] }
          )
          .map(({ run, ...rest }) => makeEvent("run.started", session, { runId: run, ...rest }, options)),
        fc
          .record({
            run: fc.constantFrom("r1", "r2"),
            exit: fc.option(fc.integer({ min: 0, max: 2 }), { nil: null }),
            more: fc.record(
              {
                isError: fc.boolean(),
                signal: fc.constantFrom("SIGKILL", "SIGTERM"),
                resultSubtype: fc.constantFrom("success", "error_during_execution"),
                lost: fc.constantFrom("claude and its supervisor are gone")
              },
              { requiredKeys: [] }
            )
          })
          .map(({ run, exit, more }) =>
            makeEvent("run.finished", session, { runId: run, exitCode: exit, ...more }, options)
          ),
        textArb.map((label) => makeEvent("session.labeled", session, { label }, options)),
        fc.boolean().map((archived) => makeEvent("session.archived", session, { archived }, options)),
        claudeIdArb().map((claudeSessionId) => makeEvent("session.titled", session, { claudeSessionId }, options)),
        fc
          .tuple(claudeIdArb(), fc.option(textArb, { nil: null }))
          .map(([claudeSessionId, tag]) => makeEvent("session.tagged", session, { claudeSessionId, tag }, options))
      )
      .map(written)
  })

/** A future event type this version does not know. */
export const unknownEventArb: fc.Arbitrary<SessionEvent> = fc
  .tuple(fc.uuid({ version: 4 }), stableIdArb(), timestampArb, fc.jsonValue())
  .map(([id, session, at, payload]) => ({
    id: EventId.make(id),
    v: 1,
    at,
    session,
    type: "future.thing",
    payload,
    unknown: true as const
  }))

export const eventArb: fc.Arbitrary<SessionEvent> = fc.oneof(
  { arbitrary: knownEventArb, weight: 9 },
  { arbitrary: unknownEventArb, weight: 1 }
)

/** A list of events whose ids are unique (as real event ids are). */
export const eventListArb = (maxLength = 40): fc.Arbitrary<Array<SessionEvent>> =>
  fc.uniqueArray(eventArb, { maxLength, selector: (event) => event.id })
