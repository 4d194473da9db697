import { orderChainMembers } from "./chain-order.js"
import type { FoldState, LinkFact, RunFact, SessionRecord } from "./fold-state.js"
import type { ClaudeSessionId, StableId } from "./ids.js"
import type { SessionMode } from "./schema.js"

/** `lost`: its processes are gone and its log has no result (a supervisor killed, say). */
export type SessionStatus = "opened" | "running" | "finished" | "failed" | "lost" | "archived"

export interface ForkView {
  readonly from: ClaudeSessionId
  readonly to: ClaudeSessionId
  readonly at: string
}

/** What the session map says of one stable id. Derived from the fold state; never stored. */
export interface SessionView {
  readonly id: StableId
  readonly cwd: string | undefined
  /** The host it was opened on, if its events say (version 2 on). */
  readonly host: string | undefined
  /** Every host it was opened, run or seen on, sorted. */
  readonly hosts: ReadonlyArray<string>
  readonly mode: SessionMode | undefined
  readonly status: SessionStatus
  /** The Claude session chain, oldest first; resumes and continues extend it. */
  readonly claudeSessionIds: ReadonlyArray<ClaudeSessionId>
  readonly latestClaudeSessionId: ClaudeSessionId | undefined
  readonly forks: ReadonlyArray<ForkView>
  readonly forkOf: StableId | undefined
  readonly links: ReadonlyArray<LinkFact>
  readonly transcripts: ReadonlyArray<string>
  /** The hosts each transcript was seen on (a path with none: not known). */
  readonly transcriptHosts: Readonly<Record<string, ReadonlyArray<string>>>
  readonly promptHash: string | undefined
  readonly logPath: string | undefined
  readonly label: string | undefined
  readonly createdAt: string
  readonly updatedAt: string
  readonly runs: ReadonlyArray<RunFact>
  /** Per Claude id: which sources saw it, with what confidence and evidence. */
  readonly provenance: SessionRecord["claude"]
}

const byString = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0)

/**
 * Orders the Claude ids of one session by the one chain rule (`orderChainMembers`): its
 * non-fork links first, ties broken by first sighting and then by id.
 */
export const orderChain = (record: SessionRecord): ReadonlyArray<ClaudeSessionId> => {
  const firstSeen = new Map<string, string>()
  for (const fact of Object.values(record.claude)) firstSeen.set(fact.claudeSessionId, fact.firstSeen)
  const chainLinks = Object.values(record.links).filter((link) => link.kind !== "fork")
  for (const link of chainLinks) {
    for (const id of [link.from, link.to]) {
      const seen = firstSeen.get(id)
      firstSeen.set(id, seen === undefined || link.at < seen ? link.at : seen)
    }
  }
  return orderChainMembers(firstSeen.keys() as Iterable<ClaudeSessionId>, chainLinks, (id) => firstSeen.get(id))
}

const statusOf = (record: SessionRecord): SessionStatus => {
  if (record.archived?.value === true) return "archived"
  const runs = Object.values(record.runs)
  if (runs.some((run) => run.started !== undefined && run.finished === undefined)) return "running"
  const finished = runs
    .flatMap((run) => (run.finished === undefined ? [] : [run.finished]))
    .sort((a, b) => byString(a.at, b.at) || byString(a.eventId, b.eventId))
  const last = finished.at(-1)
  if (last === undefined) return "opened"
  if (last.lost !== undefined) return "lost"
  return last.isError === true || (last.exitCode !== null && last.exitCode !== 0) || last.signal !== undefined
    ? "failed"
    : "finished"
}

export const sessionView = (record: SessionRecord): SessionView => {
  const chain = orderChain(record)
  const links = Object.values(record.links).sort(
    (a, b) => byString(a.at, b.at) || byString(`${a.from}${a.to}${a.kind}`, `${b.from}${b.to}${b.kind}`)
  )
  // forks of this session: branches off its chain (a fork link into it names its parent instead)
  const members = new Set<string>(chain)
  const forks = links
    .filter((link) => link.kind === "fork" && members.has(link.from) && !members.has(link.to))
    .map(({ from, to, at }) => ({ from, to, at }))
  const transcripts = [...new Set(Object.values(record.claude).flatMap((fact) => fact.transcriptPaths))].sort()
  const transcriptHosts: Record<string, Array<string>> = {}
  for (const fact of Object.values(record.claude)) {
    for (const [path, hosts] of Object.entries(fact.transcriptHosts ?? {}))
      transcriptHosts[path] = [...new Set([...(transcriptHosts[path] ?? []), ...hosts])].sort()
  }
  const hosts = [
    ...new Set([
      ...(record.opened?.host === undefined ? [] : [record.opened.host]),
      ...Object.values(record.runs).flatMap((run) => (run.started?.host === undefined ? [] : [run.started.host])),
      ...Object.values(transcriptHosts).flat()
    ])
  ].sort()
  const runs = Object.values(record.runs).sort((a, b) => byString(a.runId, b.runId))
  return {
    id: record.id,
    cwd: record.opened?.cwd,
    host: record.opened?.host,
    hosts,
    mode: record.opened?.mode,
    status: statusOf(record),
    claudeSessionIds: chain,
    latestClaudeSessionId: chain.at(-1),
    forks,
    forkOf: record.opened?.forkOf,
    links,
    transcripts,
    transcriptHosts,
    promptHash: record.opened?.promptHash,
    logPath: record.opened?.logPath,
    label: record.label?.value,
    createdAt: record.opened?.at ?? record.firstAt,
    updatedAt: record.lastAt,
    runs,
    provenance: record.claude
  }
}

/** The session map: every stable id with its derived view, plus a reverse Claude-id index. */
export interface SessionMap {
  readonly sessions: ReadonlyMap<StableId, SessionView>
  /** Claude session id → the stable ids that claim it (more than one is an ambiguity). */
  readonly byClaudeId: ReadonlyMap<ClaudeSessionId, ReadonlyArray<StableId>>
}

export const sessionMap = (state: FoldState): SessionMap => {
  const sessions = new Map<StableId, SessionView>()
  const byClaudeId = new Map<ClaudeSessionId, Array<StableId>>()
  for (const record of Object.values(state.sessions)) {
    const view = sessionView(record)
    sessions.set(view.id, view)
    for (const claudeId of view.claudeSessionIds) {
      const owners = byClaudeId.get(claudeId) ?? []
      owners.push(view.id)
      byClaudeId.set(claudeId, owners)
    }
  }
  for (const owners of byClaudeId.values()) owners.sort()
  return { sessions, byClaudeId }
}
