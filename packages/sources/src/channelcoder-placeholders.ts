/**
 * Rewriting a ChannelCoder session file with its placeholders (`detached-<ms>`, `pending`)
 * replaced by the Claude ids they were resolved to. Pure: what decides the ids is the resolver's.
 */
import { type ClaudeSessionId, isJsonObject } from "@cc/events"
import type { UnresolvedSession } from "./discovery.js"
import { type ChannelCoderRecord, isChannelCoderPlaceholder } from "./sources/channelcoder.js"

export interface ChannelCoderReplacement {
  readonly placeholder: string
  readonly claudeSessionId: ClaudeSessionId
  readonly where: ReadonlyArray<string>
}

type Json = ChannelCoderRecord

/** A run's placeholder and the Claude id it was resolved to with certainty. */
export interface PlaceholderResolution {
  readonly run: UnresolvedSession
  readonly claudeSessionId: ClaudeSessionId
}

/**
 * A session record with its placeholders replaced by the Claude ids they were resolved to, in
 * `messages[].sessionId`, `sessionChain` and `currentSessionId`; `sessionChain` then holds every
 * real conversation in the order it ran, ending with the latest id of the last (`chainOf` gives
 * a conversation's later ids: a 1.0.x resume makes a new one), since ChannelCoder resumes the
 * chain's last id. Pure: the raw JSON is not changed.
 */
export const replaceChannelCoderPlaceholders = (
  raw: Json,
  resolutions: ReadonlyArray<PlaceholderResolution>,
  chainOf: (id: ClaudeSessionId) => ReadonlyArray<ClaudeSessionId> = (id) => [id]
): { record: Json; replacements: Array<ChannelCoderReplacement>; appended: Array<ClaudeSessionId> } => {
  const record: Json = structuredClone(raw)
  const chain: Array<unknown> | undefined = Array.isArray(record.sessionChain) ? [...record.sessionChain] : undefined
  // a message that is no object is left as it is (and keeps its place: the indices are reported)
  const messages: ReadonlyArray<unknown> = Array.isArray(record.messages) ? record.messages : []
  const replacements: Array<ChannelCoderReplacement> = []
  const appended: Array<ClaudeSessionId> = []
  const firstMessage = new Map<string, number>()
  for (const outcome of resolutions) {
    const { placeholder } = outcome.run
    const id = outcome.claudeSessionId
    const where: Array<string> = []
    if (placeholder === "pending") {
      // one stream run: its user message and the answers that followed it, up to the next prompt
      const start = outcome.run.position ?? -1
      for (let i = start; i >= 0 && i < messages.length; i++) {
        const m = messages[i]
        if (!isJsonObject(m)) continue
        if (i > start && m.role === "user") break
        if (m.sessionId === "pending") {
          m.sessionId = id
          where.push(`messages[${i}]`)
        }
      }
    } else {
      messages.forEach((m, i) => {
        if (isJsonObject(m) && m.sessionId === placeholder) {
          m.sessionId = id
          where.push(`messages[${i}]`)
        }
      })
      if (chain !== undefined) {
        chain.forEach((c, i) => {
          if (c === placeholder) {
            chain[i] = id
            where.push(`sessionChain[${i}]`)
          }
        })
      }
      if (record.currentSessionId === placeholder) {
        record.currentSessionId = id
        where.push("currentSessionId")
      }
    }
    if (where.length === 0) continue
    replacements.push({ placeholder, claudeSessionId: id, where })
    firstMessage.set(id, outcome.run.position ?? Number.POSITIVE_INFINITY)
  }
  if (replacements.length === 0) return { record: raw, replacements, appended }
  // the next call resumes sessionChain's last id: it must hold every real conversation, in the
  // order they ran, ending with the latest id of the last one (a 1.0.x resume makes a new id)
  const ids = (chain ?? []).filter((c): c is string => typeof c === "string")
  const order = (id: string): number => {
    const at = messages.findIndex((m) => isJsonObject(m) && m.sessionId === id)
    return at === -1 ? (firstMessage.get(id) ?? Number.POSITIVE_INFINITY) : at
  }
  const wanted = [...ids]
  for (const { claudeSessionId } of replacements) {
    for (const member of chainOf(claudeSessionId)) {
      if (!wanted.includes(member)) {
        wanted.push(member)
        appended.push(member)
      }
    }
  }
  const placed = wanted
    .map((id, i) => ({ id, i, at: isChannelCoderPlaceholder(id) ? Number.POSITIVE_INFINITY : order(id) }))
    .sort((a, b) => (a.at === b.at ? a.i - b.i : a.at - b.at))
    .map((x) => x.id)
  if (chain !== undefined || appended.length > 0) record.sessionChain = placed
  const last = placed.at(-1)
  if (last !== undefined && !isChannelCoderPlaceholder(last) && record.currentSessionId !== last) {
    record.currentSessionId = last
  }
  return { record, replacements, appended }
}
