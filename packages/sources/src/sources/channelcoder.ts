/**
 * ChannelCoder's own session files: `~/.channelcoder/sessions/<name>.json` with
 * `sessionChain`, `currentSessionId`, `messages[]` (each with `role`, `content`, `timestamp`,
 * `sessionId`) and `metadata {name, created, lastActive}`. ChannelCoder never learns Claude's
 * id in two modes: a detached run records `detached-<epoch ms>`, a stream run `pending`.
 * Those come back as `UnresolvedSession`s carrying what a match needs — the start time and
 * the hash of the run's prompt, computed here in memory from the message (never stored,
 * never returned) — so the resolver can find their real ids in Claude's transcripts.
 */
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { type ClaudeSessionId, consecutivePairs, isClaudeSessionId, isJsonObject, storeLayout } from "@cc/events"
import * as Exit from "effect/Exit"
import * as Schema from "effect/Schema"
import type { Discovery, PromiseSource, SourceQuery, UnresolvedSession } from "../discovery.js"
import { fromPromiseSource, type Source } from "../discovery.js"
import { fsReason, listDir } from "../fs-util.js"
import { isSafeName } from "../paths.js"
import { hashPrompt } from "../prompt.js"
import { toIsoTimestamp } from "../time.js"

export const CHANNELCODER_SOURCE = "channelcoder"

/** The name a user types for a ChannelCoder session: `channelcoder:<name>`. */
export const channelCoderLabel = (name: string): string => `channelcoder:${name}`

const Timestamp = Schema.Union([Schema.String, Schema.Number])

export const ChannelCoderMessage = Schema.Struct({
  role: Schema.optionalKey(Schema.String),
  content: Schema.optionalKey(Schema.Unknown),
  sessionId: Schema.optionalKey(Schema.NullOr(Schema.String)),
  timestamp: Schema.optionalKey(Timestamp),
  cwd: Schema.optionalKey(Schema.String)
})

export const ChannelCoderSession = Schema.Struct({
  sessionChain: Schema.optionalKey(Schema.Array(Schema.String)),
  currentSessionId: Schema.optionalKey(Schema.NullOr(Schema.String)),
  messages: Schema.optionalKey(Schema.Array(ChannelCoderMessage)),
  metadata: Schema.optionalKey(
    Schema.Struct({
      name: Schema.optionalKey(Schema.String),
      created: Schema.optionalKey(Timestamp),
      lastActive: Schema.optionalKey(Timestamp),
      cwd: Schema.optionalKey(Schema.String)
    })
  )
})
export type ChannelCoderSession = typeof ChannelCoderSession.Type
export const decodeChannelCoderSession = Schema.decodeUnknownExit(ChannelCoderSession)

export interface ChannelCoderSourceOptions {
  /** The ChannelCoder home (holding `sessions/`), e.g. `~/.channelcoder`. */
  readonly home: string
}

const detachedPlaceholder = /^detached-(\d{10,16})$/

/** Whether ChannelCoder wrote this in place of a Claude id it never learnt. */
export const isChannelCoderPlaceholder = (id: string): boolean => id === "pending" || detachedPlaceholder.test(id)

/** The start time a `detached-<ms>` placeholder carries. */
export const placeholderTime = (id: string): string | undefined => {
  const match = detachedPlaceholder.exec(id)
  return match === null ? undefined : toIsoTimestamp(Number(match[1]))
}

/** A prompt as ChannelCoder stored it: a string (its own API), or text blocks. */
const promptOf = (content: unknown): string | undefined => {
  if (typeof content === "string") return content.trim() === "" ? undefined : content
  if (!Array.isArray(content)) return undefined
  const text = content
    .flatMap((block: unknown) =>
      typeof block === "object" && block !== null && "text" in block && typeof block.text === "string"
        ? [block.text]
        : []
    )
    .join("\n")
  return text.trim() === "" ? undefined : text
}

/**
 * The runs of one session record that have no Claude id, in the order they ran.
 *
 * - `detached-<ms>`: one run, started by the first user message that carries it (a later
 *   message with the same placeholder was a `--resume detached-…` that Claude refused);
 *   its time is the placeholder's.
 * - `pending`: every user message carrying it is a run of its own (a stream run with nothing to
 *   resume starts a new Claude session each time); its time is the message's.
 * - a placeholder only in `sessionChain` or `currentSessionId`: a run whose message is gone,
 *   matched on time alone, which is never enough for certainty on its own.
 */
export const channelCoderRuns = (
  session: ChannelCoderSession,
  name: string,
  path?: string
): Array<UnresolvedSession> => {
  const chain = session.sessionChain ?? []
  const messages = session.messages ?? []
  const created = toIsoTimestamp(session.metadata?.created)
  const cwd = session.metadata?.cwd ?? messages.find((m) => m.cwd !== undefined)?.cwd
  const label = channelCoderLabel(name)
  const runs: Array<UnresolvedSession> = []
  const seen = new Set<string>()
  const realBefore = (placeholder: string, messageIndex: number): Array<ClaudeSessionId> => {
    const inChain = chain.indexOf(placeholder)
    const before =
      inChain === -1
        ? messages.slice(0, messageIndex).flatMap((m) => (m.sessionId == null ? [] : [m.sessionId]))
        : chain.slice(0, inChain)
    return [...new Set(before.filter(isClaudeSessionId))]
  }
  const base = (placeholder: string) => ({
    _tag: "UnresolvedSession" as const,
    source: CHANNELCODER_SOURCE,
    reference: name,
    label,
    placeholder,
    ...(cwd === undefined ? {} : { cwd }),
    ...(path === undefined ? {} : { path })
  })
  for (const [index, message] of messages.entries()) {
    const id = message.sessionId
    if (id == null || message.role === "assistant" || !isChannelCoderPlaceholder(id)) continue
    if (id !== "pending" && seen.has(id)) continue
    seen.add(id)
    const prompt = promptOf(message.content)
    const startedAt = placeholderTime(id) ?? toIsoTimestamp(message.timestamp) ?? created
    const after = realBefore(id, index)
    runs.push({
      ...base(id),
      position: index,
      ...(startedAt === undefined ? {} : { startedAt }),
      ...(prompt === undefined ? {} : { promptHash: hashPrompt(prompt) }),
      ...(after.length === 0 ? {} : { after })
    })
  }
  for (const id of [...chain, ...(session.currentSessionId == null ? [] : [session.currentSessionId])]) {
    if (!isChannelCoderPlaceholder(id) || seen.has(id)) continue
    seen.add(id)
    const startedAt = placeholderTime(id) ?? created
    const after = realBefore(id, messages.length)
    runs.push({
      ...base(id),
      ...(startedAt === undefined ? {} : { startedAt }),
      ...(after.length === 0 ? {} : { after })
    })
  }
  return runs
}

/** Every discovery one decoded session record gives. Pure: the property tests drive it. */
export const channelCoderDiscoveries = (
  session: ChannelCoderSession,
  name: string,
  path: string,
  query: SourceQuery = {}
): Array<Discovery> => {
  const out: Array<Discovery> = []
  const label = channelCoderLabel(name)
  const named = query.reference === undefined || query.reference === label
  const created = toIsoTimestamp(session.metadata?.created)
  const lastActive = toIsoTimestamp(session.metadata?.lastActive)
  const cwd = session.metadata?.cwd ?? session.messages?.find((m) => m.cwd !== undefined)?.cwd
  const ids = [
    ...(session.sessionChain ?? []),
    ...(session.messages ?? []).flatMap((m) => (m.sessionId == null ? [] : [m.sessionId])),
    ...(session.currentSessionId == null ? [] : [session.currentSessionId])
  ].filter((id, i, all) => all.indexOf(id) === i)
  for (const run of channelCoderRuns(session, name, path)) {
    if (named || query.reference === run.placeholder) out.push(run)
  }
  const real: Array<ClaudeSessionId> = []
  for (const id of ids) {
    if (isClaudeSessionId(id)) real.push(id)
    else if (!isChannelCoderPlaceholder(id)) {
      out.push({
        _tag: "SourceDiagnostic",
        source: CHANNELCODER_SOURCE,
        severity: "info",
        reason: `unrecognised session id ${JSON.stringify(id).slice(0, 80)}`,
        path
      })
    }
  }
  if (!named) return out
  for (const claudeSessionId of real) {
    if (query.claudeSessionId !== undefined && claudeSessionId !== query.claudeSessionId) continue
    out.push({
      _tag: "SessionFound",
      source: CHANNELCODER_SOURCE,
      claudeSessionId,
      confidence: 0.9,
      evidence: `ChannelCoder session "${name}"`,
      path,
      ...(cwd === undefined ? {} : { cwd }),
      ...(created === undefined ? {} : { firstTimestamp: created }),
      ...(lastActive === undefined ? {} : { lastTimestamp: lastActive })
    })
  }
  const chain = (session.sessionChain ?? []).filter(isClaudeSessionId)
  for (const [from, to] of consecutivePairs(chain)) {
    if (from === to) continue
    out.push({
      _tag: "LinkFound",
      source: CHANNELCODER_SOURCE,
      from,
      to,
      kind: "resume",
      evidence: `sessionChain of "${name}"`
    })
  }
  return out
}

/** A session file as JSON: fields this version does not know are kept as they are. */
export type ChannelCoderRecord = { [key: string]: unknown }

export type ChannelCoderFile =
  | {
      readonly _tag: "Session"
      readonly session: ChannelCoderSession
      /** The file as JSON, every field kept (a rewrite must not drop what this version does not know). */
      readonly raw: ChannelCoderRecord
      readonly text: string
    }
  | { readonly _tag: "Invalid"; readonly reason: string }

/** Reads and decodes one session file; a torn or foreign file is a reason, never a throw. */
export const readChannelCoderFile = async (path: string): Promise<ChannelCoderFile> => {
  let text: string
  try {
    // a session file is a small JSON record, and recover reads a thousand of them: one
    // synchronous read each costs less than the thread-pool round trips of an async one
    text = readFileSync(path, "utf8")
  } catch (error) {
    return { _tag: "Invalid", reason: fsReason(error, "session file") }
  }
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    return { _tag: "Invalid", reason: "session file is not valid JSON (half-written, or not ChannelCoder's)" }
  }
  const decoded = decodeChannelCoderSession(value)
  return Exit.isFailure(decoded) || !isJsonObject(value)
    ? { _tag: "Invalid", reason: "not a ChannelCoder session file" }
    : { _tag: "Session", session: decoded.value, raw: value, text }
}

/** The session names in a ChannelCoder home, from its `sessions/` folder. */
export const channelCoderSessionFiles = async (
  home: string
): Promise<{ readonly files: ReadonlyArray<{ name: string; path: string }>; readonly reason?: string }> => {
  const dir = storeLayout(home).channelCoderSessions
  const listed = await listDir(dir, "ChannelCoder sessions folder")
  if (listed._tag === "Failed") return { files: [], reason: listed.reason }
  const files = listed.entries
    .filter((d) => d.isFile() && d.name.endsWith(".json") && isSafeName(d.name))
    .map((d) => ({ name: d.name.slice(0, -".json".length), path: join(dir, d.name) }))
  return { files }
}

async function* discoverChannelCoder(
  options: ChannelCoderSourceOptions,
  query: SourceQuery
): AsyncGenerator<Discovery> {
  const { files, reason } = await channelCoderSessionFiles(options.home)
  if (reason !== undefined) {
    const path = storeLayout(options.home).channelCoderSessions
    yield { _tag: "SourceDiagnostic", source: CHANNELCODER_SOURCE, severity: "info", reason, path }
    return
  }
  // a reference names one file (`channelcoder:<name>`) or a placeholder in any of them
  const wanted =
    query.reference?.startsWith("channelcoder:") === true
      ? files.filter((f) => channelCoderLabel(f.name) === query.reference)
      : query.reference === undefined || isChannelCoderPlaceholder(query.reference)
        ? files
        : []
  for (const { name, path } of wanted) {
    const file = await readChannelCoderFile(path)
    if (file._tag === "Invalid") {
      yield { _tag: "SourceDiagnostic", source: CHANNELCODER_SOURCE, severity: "warning", reason: file.reason, path }
      continue
    }
    yield* channelCoderDiscoveries(file.session, name, path, query)
  }
}

export const channelCoderPromiseSource = (options: ChannelCoderSourceOptions): PromiseSource => ({
  name: CHANNELCODER_SOURCE,
  cost: "moderate",
  discover: (query) => discoverChannelCoder(options, query)
})

export const channelCoderSource = (options: ChannelCoderSourceOptions): Source =>
  fromPromiseSource(channelCoderPromiseSource(options))

/** One placeholder replaced, and where. */
