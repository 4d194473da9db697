import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { eventArb } from "../src/arbitraries.js"
import { decodeEventLine, encodeEventLine, HOST, InvalidEvent, makeEvent, type StableId } from "../src/index.js"

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
