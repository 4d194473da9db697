import fc from "fast-check"
import { describe, expect, it } from "vitest"
import {
  type ChannelCoderSession,
  channelCoderDiscoveries,
  channelCoderRuns,
  decodeChannelCoderSession,
  hashPrompt,
  isChannelCoderPlaceholder,
  replaceChannelCoderPlaceholders
} from "../src/index.js"

const uuid = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, "0")}`
const T0 = Date.parse("2026-11-20T10:00:00.000Z")

/** A session file as ChannelCoder 3.0.2 writes it, from a sequence of its calls. */
type Call = { kind: "claude" | "detached" | "stream"; prompt: string; at: number }
const simulate = (calls: ReadonlyArray<Call>): ChannelCoderSession => {
  const sessionChain: Array<string> = []
  let currentSessionId: string | undefined
  const messages: Array<{ role: string; content: string; timestamp: string; sessionId: string }> = []
  calls.forEach((call, i) => {
    const resumeId = sessionChain.at(-1)
    const timestamp = new Date(call.at).toISOString()
    if (call.kind === "claude") {
      // its result names a real id (on success): pushed to the chain
      const id = uuid(i + 1)
      sessionChain.push(id)
      currentSessionId = id
      messages.push({ role: "user", content: call.prompt, timestamp, sessionId: id })
    } else if (call.kind === "detached") {
      const id = resumeId ?? currentSessionId ?? `detached-${call.at}`
      messages.push({ role: "user", content: call.prompt, timestamp, sessionId: id })
      if (currentSessionId === undefined) {
        sessionChain.push(id)
        currentSessionId = id
      }
    } else {
      messages.push({ role: "user", content: call.prompt, timestamp, sessionId: resumeId ?? "pending" })
      messages.push({ role: "assistant", content: "answer", timestamp, sessionId: resumeId ?? "pending" })
    }
  })
  return {
    sessionChain,
    ...(currentSessionId === undefined ? {} : { currentSessionId }),
    messages,
    metadata: { name: "s", created: new Date(T0).toISOString(), lastActive: new Date(T0).toISOString() }
  }
}

const callsArb = fc.array(
  fc.record({
    kind: fc.constantFrom("claude" as const, "detached" as const, "stream" as const),
    prompt: fc.string({ minLength: 12 }).map((s) => `prompt:${s}`),
    at: fc.integer({ min: T0, max: T0 + 86_400_000 })
  }),
  { maxLength: 8 }
)

describe("ChannelCoder session files (properties)", () => {
  it("a run without an id for every placeholder ChannelCoder wrote, with its own prompt's hash and time", () => {
    fc.assert(
      fc.property(callsArb, (calls) => {
        const session = simulate(calls)
        const runs = channelCoderRuns(session, "s")
        // which calls made a Claude session that ChannelCoder could not name
        const expected: Array<{ placeholder: string; call: Call }> = []
        let chained = false
        let currentSet = false
        for (const call of calls) {
          if (call.kind === "claude") {
            chained = true
            currentSet = true
          } else if (call.kind === "detached" && !chained && !currentSet) {
            expected.push({ placeholder: `detached-${call.at}`, call })
            chained = true
            currentSet = true
          } else if (call.kind === "stream" && !chained) {
            expected.push({ placeholder: "pending", call })
          }
        }
        expect(runs.map((r) => r.placeholder)).toEqual(expected.map((e) => e.placeholder))
        expect(runs.map((r) => r.promptHash)).toEqual(expected.map((e) => hashPrompt(e.call.prompt)))
        expect(runs.map((r) => r.startedAt)).toEqual(expected.map((e) => new Date(e.call.at).toISOString()))
        expect(runs.every((r) => r.label === "channelcoder:s")).toBe(true)
        // no prompt text leaves the source
        const out = JSON.stringify(channelCoderDiscoveries(session, "s", "/x/s.json"))
        for (const call of calls) expect(out).not.toContain(call.prompt)
      })
    )
  })

  it("decodes or rejects anything without throwing, and a decoded file always yields", () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const decoded = decodeChannelCoderSession(value)
        if (decoded._tag === "Success")
          expect(Array.isArray(channelCoderDiscoveries(decoded.value, "n", "/p"))).toBe(true)
      })
    )
  })

  it("answers a reference only for the file or placeholder it names", () => {
    const session = simulate([{ kind: "detached", prompt: "prompt: one", at: T0 }])
    expect(channelCoderDiscoveries(session, "s", "/p", { reference: "channelcoder:s" })).toHaveLength(1)
    expect(channelCoderDiscoveries(session, "s", "/p", { reference: `detached-${T0}` })).toHaveLength(1)
    expect(channelCoderDiscoveries(session, "s", "/p", { reference: "channelcoder:other" })).toHaveLength(0)
  })

  it("replacing resolved placeholders leaves none of them, keeps everything else, and ends the chain on the latest id", () => {
    fc.assert(
      fc.property(callsArb, fc.array(fc.boolean(), { minLength: 8, maxLength: 8 }), (calls, certain) => {
        const session = { ...simulate(calls), extra: { unknownField: [1, 2] } }
        const runs = channelCoderRuns(session, "s")
        const resolutions = runs.flatMap((run, i) =>
          certain[i] ? [{ run, claudeSessionId: uuid(500 + i) as never }] : []
        )
        const before = JSON.stringify(session)
        const { record, replacements } = replaceChannelCoderPlaceholders(session, resolutions)
        expect(JSON.stringify(session)).toBe(before)
        expect(record.extra).toEqual({ unknownField: [1, 2] })
        expect(replacements).toHaveLength(resolutions.length)
        const messages = record.messages as Array<{ content: string; sessionId: string }>
        expect(messages.map((m) => m.content)).toEqual((session.messages ?? []).map((m) => m.content))
        const chain = (record.sessionChain ?? []) as Array<string>
        for (const { claudeSessionId } of resolutions) {
          expect(chain).toContain(claudeSessionId)
          expect(messages.some((m) => m.sessionId === claudeSessionId)).toBe(true)
        }
        // a placeholder stays only where its run was not resolved
        const left = new Set(runs.filter((_, i) => !certain[i]).map((r) => r.placeholder))
        for (const id of [...chain, ...messages.map((m) => m.sessionId)]) {
          if (isChannelCoderPlaceholder(id)) expect(left.has(id)).toBe(true)
        }
        const last = chain.at(-1)
        if (resolutions.length > 0 && last !== undefined && !isChannelCoderPlaceholder(last)) {
          expect(record.currentSessionId).toBe(last)
        }
      })
    )
  })
})
