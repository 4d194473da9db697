import * as Exit from "effect/Exit"
import * as Schema from "effect/Schema"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { eventArb, knownEventArb } from "../src/arbitraries.js"
import { decodeKnownFast } from "../src/fast-decode.js"
import {
  decodeEventLine,
  encodeEventLine,
  HOST,
  InvalidEvent,
  KnownEvent,
  makeEvent,
  type StableId
} from "../src/index.js"

describe("event codec", () => {
  it("round-trips every event through its line", () => {
    fc.assert(
      fc.property(eventArb, (event) => {
        const decoded = decodeEventLine(encodeEventLine(event))
        expect(decoded._tag).toBe("Event")
        if (decoded._tag === "Event") expect(encodeEventLine(decoded.event)).toBe(encodeEventLine(event))
      }),
      { numRuns: 500 }
    )
  })

  it("never throws on arbitrary input, and says why it skipped a line", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.json(),
          fc.jsonValue().map((v) => JSON.stringify(v))
        ),
        (line) => {
          const decoded = decodeEventLine(line)
          if (decoded._tag === "Invalid") expect(decoded.reason.length).toBeGreaterThan(0)
        }
      ),
      { numRuns: 2000 }
    )
  })

  it("reads a newer schema version of a known type as unknown instead of misreading it", () => {
    const line = JSON.stringify({
      id: "evt-123456789",
      v: 99,
      at: "2026-11-24T10:00:00.000Z",
      session: "cc-session-00000000-0000-4000-8000-000000000001",
      type: "claude.observed",
      payload: { shape: "new" }
    })
    const decoded = decodeEventLine(line)
    expect(decoded._tag === "Event" && "unknown" in decoded.event).toBe(true)
  })

  it("writes version 2 with the host, and still reads version 1 (no host) as a known event", () => {
    const session = "cc-session-00000000-0000-4000-8000-000000000001" as StableId
    const written = makeEvent("session.labeled", session, { label: "x" }, { host: "build-7" })
    expect(written).toMatchObject({ v: 2, host: "build-7" })
    expect(makeEvent("session.labeled", session, { label: "x" }).host).toBe(HOST)
    const { host: _host, ...v1 } = { ...written, v: 1 }
    const decoded = decodeEventLine(JSON.stringify(v1))
    expect(decoded).toEqual({ _tag: "Event", event: v1 })
  })

  it("rejects a known type with a broken payload as a diagnostic", () => {
    const line = JSON.stringify({
      id: "evt-123456789",
      v: 1,
      at: "2026-11-24T10:00:00.000Z",
      session: "cc-session-00000000-0000-4000-8000-000000000001",
      type: "claude.observed",
      payload: { claudeSessionId: "../../etc/passwd" }
    })
    expect(decodeEventLine(line)).toEqual({ _tag: "Invalid", reason: "invalid claude.observed payload" })
  })

  it("refuses to build an invalid event", () => {
    const session = "cc-session-00000000-0000-4000-8000-000000000001" as StableId
    expect(() =>
      makeEvent("claude.observed", session, {
        claudeSessionId: "not-a-uuid" as never,
        source: "x",
        evidence: "y",
        confidence: 2
      })
    ).toThrow(InvalidEvent)
  })
})

// values that sit on the edges of what the schema accepts
const trickyArb: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(
    null,
    true,
    false,
    0,
    -0,
    1,
    2,
    3,
    -1,
    0.5,
    1.5,
    2 ** 53,
    -(2 ** 53),
    1e300,
    "",
    "run",
    "fork",
    "detached",
    "resume",
    "x".repeat(65),
    "evt-1234",
    "cc-session-00000000-0000-4000-8000-000000000001",
    "CC-SESSION-00000000-0000-4000-8000-000000000001",
    "00000000-0000-4000-8000-00000000000a",
    "00000000-0000-4000-8000-00000000000A",
    "2026-11-24T10:00:00.000Z",
    "2026-11-24T10:00:00+01:00",
    "2026-11-24 10:00:00",
    "a".repeat(64),
    "session.opened",
    "claude.observed",
    [],
    {}
  ),
  fc.jsonValue({ maxDepth: 2 })
)

type Mutation = {
  readonly inPayload: boolean
  /** Which key: one the value has (most often), or any key an event may have. */
  readonly existing: boolean
  readonly pick: number
  readonly change: { kind: "set"; value: unknown } | { kind: "tweak"; how: number } | { kind: "delete" }
}

const anyKey = [
  ...["id", "v", "at", "host", "session", "type", "payload", "cwd", "mode", "promptHash", "logPath", "forkOf"],
  ...["runId", "pid", "pidStart", "supervisorPid", "supervisorStart", "exitCode", "signal", "resultSubtype"],
  ...["isError", "lost", "claudeSessionId", "source", "evidence", "confidence", "transcriptPath", "from", "to"],
  ...["kind", "label", "archived", "extra"]
]

const mutationArb: fc.Arbitrary<Mutation> = fc.record({
  inPayload: fc.boolean(),
  existing: fc.boolean(),
  pick: fc.nat(),
  change: fc.oneof(
    fc.record({ kind: fc.constant("set" as const), value: trickyArb }),
    fc.record({ kind: fc.constant("tweak" as const), how: fc.nat(5) }),
    fc.constant({ kind: "delete" as const })
  )
})

// a value next to the one there: what a near-miss writer (or a flipped bit) would leave
const tweak = (value: unknown, how: number): unknown => {
  if (typeof value === "string")
    return [value.toUpperCase(), `${value}x`, value.slice(1), ` ${value}`, value.slice(0, -1), `${value}\n`][how]
  if (typeof value === "number") return [value + 0.5, value * 2 + 1, -value - 1, value + 2 ** 53, value / 3, -0][how]
  if (typeof value === "boolean") return [String(value), Number(value), null, !value, [value], { value }][how]
  return [null, "", 0, [], {}, true][how]
}

const mutate = (value: Record<string, unknown>, mutations: ReadonlyArray<Mutation>): Record<string, unknown> => {
  const out = structuredClone(value)
  for (const m of mutations) {
    const target =
      m.inPayload && typeof out.payload === "object" && out.payload !== null
        ? (out.payload as Record<string, unknown>)
        : out
    const keys = m.existing && Object.keys(target).length > 0 ? Object.keys(target) : anyKey
    const key = keys[m.pick % keys.length] as string
    if (m.change.kind === "set") target[key] = m.change.value
    else if (m.change.kind === "tweak") target[key] = tweak(target[key], m.change.how)
    else delete target[key]
  }
  return out
}

describe("fast decoder (the hot path of reads)", () => {
  const schemaDecode = Schema.decodeUnknownExit(KnownEvent)

  it("accepts only what the schema accepts, and gives exactly what the schema gives", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc
            .tuple(eventArb, fc.array(mutationArb, { maxLength: 3 }))
            .map(([event, mutations]) => mutate(JSON.parse(encodeEventLine(event)), mutations)),
          // one field of a valid event changed: the near misses
          fc
            .tuple(knownEventArb, mutationArb)
            .map(([event, m]) => mutate(JSON.parse(encodeEventLine(event)), [{ ...m, existing: true }])),
          fc.jsonValue({ maxDepth: 3 })
        ),
        (value) => {
          const fast = decodeKnownFast(value)
          if (fast === undefined) return
          const viaSchema = schemaDecode(value)
          expect(Exit.isSuccess(viaSchema)).toBe(true)
          if (Exit.isSuccess(viaSchema)) expect(JSON.stringify(fast)).toBe(JSON.stringify(viaSchema.value))
        }
      ),
      { numRuns: 10_000 }
    )
  })

  it("takes every event this library writes (so reads do not fall back to the schema)", () => {
    fc.assert(
      fc.property(knownEventArb, (event) => {
        expect(decodeKnownFast(JSON.parse(encodeEventLine(event)))).toEqual(event)
      }),
      { numRuns: 500 }
    )
  })
})
