/**
 * The hot path of reading a log: a hand-written check of the known event shapes, for the lines
 * a store reads by the million. It only ever accepts what the `KnownEvent` schema accepts, and
 * returns what the schema would (the same fields, in the same order); anything else it leaves to
 * the schema, which decodes it or says why not. `codec.test.ts` holds it to that on arbitrary
 * inputs, valid and broken.
 */
import { CURRENT_SCHEMA_VERSION, type KnownEvent } from "./schema.js"

type Json = Record<string, unknown>

const UUID = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
const EVENT_ID = /^[A-Za-z0-9_-]{8,64}$/
const STABLE_ID = new RegExp(`^cc-session-${UUID}$`)
const CLAUDE_ID = new RegExp(`^${UUID}$`)
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/
const HASH = /^[0-9a-f]{64}$/
const MODES = new Set(["run", "stream", "interactive", "detached"])
const KINDS = new Set(["resume", "fork", "continue", "compact"])

const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v)
const str = (v: unknown): v is string => typeof v === "string"
const int = (v: unknown): v is number => typeof v === "number" && Number.isSafeInteger(v)
const matches = (v: unknown, pattern: RegExp): v is string => typeof v === "string" && pattern.test(v)

/** Copies the optional keys that are present and valid; `false` if one is present and invalid. */
const optional = (from: Json, to: Json, checks: ReadonlyArray<readonly [string, (v: unknown) => boolean]>): boolean => {
  for (const [key, check] of checks) {
    if (!(key in from)) continue
    const value = from[key]
    if (!check(value)) return false
    to[key] = value
  }
  return true
}

const payloadOf = (type: unknown, p: Json): Json | undefined => {
  const out: Json = {}
  switch (type) {
    case "session.opened":
      if (!str(p.cwd) || !MODES.has(p.mode as string)) return undefined
      out.cwd = p.cwd
      out.mode = p.mode
      return optional(p, out, [
        ["promptHash", (v) => matches(v, HASH)],
        ["logPath", str],
        ["forkOf", (v) => matches(v, STABLE_ID)],
        ["entrypoint", str]
      ])
        ? out
        : undefined
    case "run.started":
      if (!str(p.runId)) return undefined
      out.runId = p.runId
      return optional(p, out, [
        ["pid", int],
        ["pidStart", str],
        ["supervisorPid", int],
        ["supervisorStart", str],
        ["host", str],
        ["mode", (v) => MODES.has(v as string) && str(v)],
        ["claudeSessionId", (v) => matches(v, CLAUDE_ID)],
        ["logPath", str]
      ])
        ? out
        : undefined
    case "run.finished":
      if (!str(p.runId) || !("exitCode" in p) || !(p.exitCode === null || int(p.exitCode))) return undefined
      out.runId = p.runId
      out.exitCode = p.exitCode
      return optional(p, out, [
        ["signal", str],
        ["resultSubtype", str],
        ["isError", (v) => typeof v === "boolean"],
        ["lost", str]
      ])
        ? out
        : undefined
    case "claude.observed": {
      const c = p.confidence
      if (!matches(p.claudeSessionId, CLAUDE_ID) || !str(p.source) || !str(p.evidence)) return undefined
      if (typeof c !== "number" || !(c >= 0 && c <= 1)) return undefined
      out.claudeSessionId = p.claudeSessionId
      out.source = p.source
      out.evidence = p.evidence
      out.confidence = c
      return optional(p, out, [["transcriptPath", str]]) ? out : undefined
    }
    case "chain.linked":
      if (!matches(p.from, CLAUDE_ID) || !matches(p.to, CLAUDE_ID) || !KINDS.has(p.kind as string)) return undefined
      if (!str(p.kind) || !str(p.source) || !str(p.evidence)) return undefined
      out.from = p.from
      out.to = p.to
      out.kind = p.kind
      out.source = p.source
      out.evidence = p.evidence
      return out
    case "session.labeled":
      if (!str(p.label)) return undefined
      out.label = p.label
      return out
    case "session.archived":
      if (typeof p.archived !== "boolean") return undefined
      out.archived = p.archived
      return out
    case "session.titled":
      if (!matches(p.claudeSessionId, CLAUDE_ID)) return undefined
      out.claudeSessionId = p.claudeSessionId
      return out
    case "session.tagged":
      if (!matches(p.claudeSessionId, CLAUDE_ID) || !(p.tag === null || str(p.tag))) return undefined
      out.claudeSessionId = p.claudeSessionId
      out.tag = p.tag
      return out
    default:
      return undefined
  }
}

/** The event, if `value` is plainly one of the known shapes; `undefined`: ask the schema. */
export const decodeKnownFast = (value: unknown): KnownEvent | undefined => {
  if (!isObject(value)) return undefined
  const { id, v, at, session, type, payload } = value
  if (
    !matches(id, EVENT_ID) ||
    !int(v) ||
    v < 1 ||
    v > CURRENT_SCHEMA_VERSION ||
    !matches(at, ISO) ||
    !matches(session, STABLE_ID)
  )
    return undefined
  if (!isObject(payload)) return undefined
  const decodedPayload = payloadOf(type, payload)
  if (decodedPayload === undefined) return undefined
  const event: Json = { id, v, at }
  if ("host" in value) {
    if (!str(value.host)) return undefined
    event.host = value.host
  }
  event.session = session
  event.type = type
  event.payload = decodedPayload
  return event as KnownEvent
}
