/**
 * ChannelCoder's own session files: `~/.channelcoder/sessions/<name>.json` with
 * `sessionChain`, `currentSessionId`, `messages[]` (each with `sessionId`) and
 * `metadata {name, created, lastActive}`. Its detached runs record a placeholder
 * `detached-<epoch ms>` instead of a Claude id, its stream runs `pending`: those come back as
 * `UnresolvedSession`s, so the resolver can find their real ids through the other sources.
 */
import { readFile } from "node:fs/promises"
import { join } from "node:path"
import { type ClaudeSessionId, isClaudeSessionId } from "@cc/events"
import * as Exit from "effect/Exit"
import * as Schema from "effect/Schema"
import type { Discovery, PromiseSource, SourceQuery } from "../discovery.js"
import { fromPromiseSource, type Source } from "../discovery.js"
import { fsReason, listDir } from "../fs-util.js"
import { isSafeName } from "../paths.js"
import { toIsoTimestamp } from "../time.js"

export const CHANNELCODER_SOURCE = "channelcoder"

export const ChannelCoderSession = Schema.Struct({
  sessionChain: Schema.optionalKey(Schema.Array(Schema.String)),
  currentSessionId: Schema.optionalKey(Schema.NullOr(Schema.String)),
  messages: Schema.optionalKey(
    Schema.Array(
      Schema.Struct({
        sessionId: Schema.optionalKey(Schema.NullOr(Schema.String)),
        timestamp: Schema.optionalKey(Schema.Union([Schema.String, Schema.Number])),
        cwd: Schema.optionalKey(Schema.String)
      })
    )
  ),
  metadata: Schema.optionalKey(
    Schema.Struct({
      name: Schema.optionalKey(Schema.String),
      created: Schema.optionalKey(Schema.Union([Schema.String, Schema.Number])),
      lastActive: Schema.optionalKey(Schema.Union([Schema.String, Schema.Number])),
      cwd: Schema.optionalKey(Schema.String)
    })
  )
})
const decodeSession = Schema.decodeUnknownExit(ChannelCoderSession)

export interface ChannelCoderSourceOptions {
  /** The ChannelCoder home (holding `sessions/`). Default: `$CC_SESSIONS_HOME`, then `~/.channelcoder`. */
  readonly home: string
}

const detachedPlaceholder = /^detached-(\d{10,16})$/

async function* discoverChannelCoder(
  options: ChannelCoderSourceOptions,
  query: SourceQuery
): AsyncGenerator<Discovery> {
  const dir = join(options.home, "sessions")
  const listed = await listDir(dir, "ChannelCoder sessions folder")
  if (listed._tag === "Failed") {
    yield { _tag: "SourceDiagnostic", source: CHANNELCODER_SOURCE, severity: "info", reason: listed.reason, path: dir }
    return
  }
  for (const dirent of listed.entries) {
    if (!dirent.isFile() || !dirent.name.endsWith(".json") || !isSafeName(dirent.name)) continue
    const path = join(dir, dirent.name)
    const name = dirent.name.slice(0, -".json".length)
    let value: unknown
    try {
      value = JSON.parse(await readFile(path, "utf8"))
    } catch (error) {
      const reason = error instanceof SyntaxError ? "session file is not valid JSON" : fsReason(error, "session file")
      yield { _tag: "SourceDiagnostic", source: CHANNELCODER_SOURCE, severity: "warning", reason, path }
      continue
    }
    const decoded = decodeSession(value)
    if (Exit.isFailure(decoded)) {
      yield {
        _tag: "SourceDiagnostic",
        source: CHANNELCODER_SOURCE,
        severity: "warning",
        reason: "not a ChannelCoder session file",
        path
      }
      continue
    }
    const session = decoded.value
    const created = toIsoTimestamp(session.metadata?.created)
    const lastActive = toIsoTimestamp(session.metadata?.lastActive)
    const cwd = session.metadata?.cwd ?? session.messages?.find((m) => m.cwd !== undefined)?.cwd
    const ids = [
      ...(session.sessionChain ?? []),
      ...(session.messages ?? []).flatMap((m) => (m.sessionId == null ? [] : [m.sessionId])),
      ...(session.currentSessionId == null ? [] : [session.currentSessionId])
    ].filter((id, i, all) => all.indexOf(id) === i)
    const real: Array<ClaudeSessionId> = []
    for (const id of ids) {
      if (isClaudeSessionId(id)) {
        real.push(id)
        continue
      }
      const detached = detachedPlaceholder.exec(id)
      if (detached !== null || id === "pending") {
        const startedAt = detached !== null ? toIsoTimestamp(Number(detached[1])) : created
        yield {
          _tag: "UnresolvedSession",
          source: CHANNELCODER_SOURCE,
          reference: name,
          placeholder: id,
          path,
          ...(cwd === undefined ? {} : { cwd }),
          ...(startedAt === undefined ? {} : { startedAt })
        }
      } else {
        yield {
          _tag: "SourceDiagnostic",
          source: CHANNELCODER_SOURCE,
          severity: "info",
          reason: `unrecognised session id ${JSON.stringify(id).slice(0, 80)}`,
          path
        }
      }
    }
    if (query.claudeSessionId !== undefined && !real.includes(query.claudeSessionId)) continue
    for (const claudeSessionId of real) {
      yield {
        _tag: "SessionFound",
        source: CHANNELCODER_SOURCE,
        claudeSessionId,
        confidence: 0.9,
        evidence: `ChannelCoder session "${name}"`,
        path,
        ...(cwd === undefined ? {} : { cwd }),
        ...(created === undefined ? {} : { firstTimestamp: created }),
        ...(lastActive === undefined ? {} : { lastTimestamp: lastActive })
      }
    }
    const chain = (session.sessionChain ?? []).filter(isClaudeSessionId)
    for (let i = 1; i < chain.length; i++) {
      const from = chain[i - 1] as ClaudeSessionId
      const to = chain[i] as ClaudeSessionId
      if (from === to) continue
      yield {
        _tag: "LinkFound",
        source: CHANNELCODER_SOURCE,
        from,
        to,
        kind: "resume",
        evidence: `sessionChain of "${name}"`
      }
    }
  }
}

export const channelCoderPromiseSource = (options: ChannelCoderSourceOptions): PromiseSource => ({
  name: CHANNELCODER_SOURCE,
  discover: (query) => discoverChannelCoder(options, query)
})

export const channelCoderSource = (options: ChannelCoderSourceOptions): Source =>
  fromPromiseSource(channelCoderPromiseSource(options))
