/**
 * cc-sessions' rows as the SDK's `SDKSessionInfo`, and the SDK's listing options on them. Pure.
 *
 * The rules where a row differs from the SDK's own on purpose (README, "From the Agent SDK"):
 * - a chain (a 1.0.x resume chain, a `continued-in` hand-off) is one row: `sessionId` is its
 *   latest member (what a resume continues), `claudeSessionIds` every member, oldest first;
 *   `firstPrompt` and `createdAt` are its first member's, `lastModified` its newest file's,
 *   `fileSize` all its files together;
 * - a fork is a row of its own whose `forkedFrom` names its parent;
 * - `summary` is the title recorded (custom, agent or AI title), else the first prompt: the
 *   SDK's prefers the last prompt of an untitled session;
 * - a row with neither a title nor a prompt is not listed (the SDK lists none either).
 */
import type { ChainRow } from "@cc/resolver"

/** The SDK's `SDKSessionInfo` (0.3.x), structurally: what a swapped import still type-checks against. */
export interface SdkSessionInfo {
  sessionId: string
  summary: string
  lastModified: number
  fileSize?: number
  customTitle?: string
  firstPrompt?: string
  gitBranch?: string
  cwd?: string
  tag?: string
  createdAt?: number
  archived?: boolean
}

/** A listed session: the SDK's fields, and what cc-sessions knows of its chain. */
export interface CcSessionInfo extends SdkSessionInfo {
  /** The stable id that owns it (`cc-session-…`), null if none does yet. */
  stableId: string | null
  /** Its chain, oldest first; `sessionId` is the last. */
  claudeSessionIds: Array<string>
  /** The session it was forked from, if it was. */
  forkedFrom: { claudeSessionId: string | null; stableId: string | null } | null
  /** `opened`, `running`, `finished`, `failed`, `lost`, `archived`, or `unknown` (no stable session). */
  status: string
  /** The host its transcripts are on. */
  host: string
  /** Its label, if a session function or `ccSession.label` gave it one. */
  label: string | null
  /** Started by an SDK or a daemon (the SDK's `includeProgrammatic: false` leaves these out). */
  programmatic: boolean
}

const present = <K extends string, V>(key: K, value: V | null | undefined): { [P in K]?: V } =>
  (value === null || value === undefined ? {} : { [key]: value }) as { [P in K]?: V }

/** A row as the SDK lists it, or undefined when the SDK would not list it (no title, no prompt). */
export const sessionInfoOf = (row: ChainRow): CcSessionInfo | undefined => {
  const summary = row.title ?? row.firstPrompt
  if (summary === null || summary === "") return undefined
  const createdAt = row.firstActivity === null ? Number.NaN : Date.parse(row.firstActivity)
  return {
    sessionId: row.latestClaudeSessionId,
    summary,
    lastModified: row.lastModified,
    fileSize: row.transcriptBytes,
    ...present("customTitle", row.customTitle),
    ...present("firstPrompt", row.firstPrompt),
    ...present("gitBranch", row.gitBranch),
    ...present("cwd", row.cwd),
    ...present("tag", row.tag === "" ? null : row.tag),
    ...(Number.isNaN(createdAt) ? {} : { createdAt }),
    ...present("archived", row.archived),
    stableId: row.id,
    claudeSessionIds: [...row.claudeSessionIds],
    forkedFrom: row.forkedFrom === null ? null : { ...row.forkedFrom },
    status: row.status,
    host: row.host,
    label: row.label,
    programmatic: row.programmatic
  }
}

/** The SDK's order: most recently modified first, then the greater session id first (as its sort has it). */
export const bySdkOrder = (a: SdkSessionInfo, b: SdkSessionInfo): number =>
  b.lastModified !== a.lastModified
    ? b.lastModified - a.lastModified
    : b.sessionId < a.sessionId
      ? -1
      : b.sessionId > a.sessionId
        ? 1
        : 0

export interface ListingOptions {
  /** The directories whose sessions are listed (`dir` and, with `includeWorktrees`, its worktrees); all when undefined. */
  readonly dirs?: ReadonlySet<string>
  readonly includeProgrammatic?: boolean
  readonly limit?: number
  readonly offset?: number
}

/** The listing options on rows in the SDK's order: a directory's rows, programmatic ones or not, one page. */
export const listed = (rows: ReadonlyArray<CcSessionInfo>, options: ListingOptions): Array<CcSessionInfo> => {
  const { dirs } = options
  const kept = rows.filter(
    (r) =>
      (options.includeProgrammatic !== false || !r.programmatic) &&
      (dirs === undefined || (r.cwd !== undefined && dirs.has(r.cwd)))
  )
  return page(kept, options)
}

/** One page, as the SDK pages: `offset` rows skipped, then at most `limit` (none, or 0: all the rest). */
export const page = <A>(
  items: ReadonlyArray<A>,
  at: { readonly offset?: number | undefined; readonly limit?: number | undefined }
): Array<A> => {
  const offset = Math.max(0, Math.trunc(at.offset ?? 0))
  const limit = at.limit !== undefined && at.limit > 0 ? Math.trunc(at.limit) : undefined
  return items.slice(offset, limit === undefined ? undefined : offset + limit)
}
