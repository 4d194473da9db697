/**
 * The SDK's session functions, served from cc-sessions' index: the same names, signatures and
 * return shapes (a user swaps one import), each row carrying its chain, and every reference a
 * Claude id, a stable id (`cc-session-…`) or a label. A change (a title, a tag, an archive mark,
 * a fork) is made on the chain's latest transcript, in Claude's own format (a fork by the SDK's
 * own `forkSession`, on the file the index names), and recorded in the event log under the
 * stable session that owns it.
 */
import { realpathSync } from "node:fs"
import { dirname, resolve } from "node:path"
import {
  type ForkSessionOptions,
  foldSessionSummary,
  type GetSessionInfoOptions,
  type GetSessionMessagesOptions,
  type ListSessionsOptions,
  type SessionMessage,
  type SessionMutationOptions,
  type SessionStore,
  forkSession as sdkForkSession,
  getSessionInfo as sdkGetSessionInfo,
  getSessionMessages as sdkGetSessionMessages,
  listSessions as sdkListSessions
} from "@anthropic-ai/claude-agent-sdk"
import {
  type ClaudeSessionId,
  claudeSessionIdOf,
  makeEvent,
  newStableId,
  type SessionEvent,
  type StableId,
  stableIdOf
} from "@cc/events"
import { cleanMark, writeMark } from "@cc/sources"
import { vaultSessionStore } from "@cc/vault"
import { type SessionsContext, sessionsContext } from "./context.js"
import { InvalidSessionOptions, SessionNotHere } from "./errors.js"
import { forgetSessions, sessionRowOf, sessionsOf } from "./listing.js"
import { localStore } from "./local-store.js"
import { type CcSessionOptions, ccSessionOptionsOf } from "./options.js"
import { type CcSessionInfo, listed, page } from "./session-info.js"
import { worktreesOf } from "./worktrees.js"

/** Every session function's extra option: which store and Claude homes (default: as a query would use them). */
export interface WithCcSession {
  readonly ccSession?: CcSessionOptions
}

const contextOf = (options: WithCcSession | undefined): SessionsContext =>
  sessionsContext(ccSessionOptionsOf(options?.ccSession))

/** `dir` as the SDK compares it: absolute, symlinks resolved. */
const canonical = (dir: string): string => {
  const absolute = resolve(dir)
  try {
    return realpathSync(absolute)
  } catch {
    return absolute
  }
}

/**
 * Lists sessions, one row a chain, newest first, as the SDK's `listSessions` does (see the
 * package README for the rules where it differs). `dir` lists that directory's sessions and,
 * unless `includeWorktrees: false`, those of its git worktrees; `includeProgrammatic: false`
 * leaves out SDK and daemon sessions; `limit` and `offset` page. A `sessionStore` is the
 * SDK's business: the SDK's own `listSessions` answers for it.
 */
export const listSessions = async (
  options: ListSessionsOptions & WithCcSession = {}
): Promise<Array<CcSessionInfo>> => {
  if (options.sessionStore !== undefined) return (await sdkListSessions(stripped(options))).map(foreign)
  const { rows } = await sessionsOf(contextOf(options))
  const dirs =
    options.dir === undefined
      ? undefined
      : new Set([options.dir, ...(options.includeWorktrees === false ? [] : worktreesOf(options.dir))].map(canonical))
  return listed(rows, {
    ...(dirs === undefined ? {} : { dirs }),
    ...(options.includeProgrammatic === undefined ? {} : { includeProgrammatic: options.includeProgrammatic }),
    ...(options.limit === undefined ? {} : { limit: options.limit }),
    ...(options.offset === undefined ? {} : { offset: options.offset })
  })
}

/** A row the SDK made (from a session store): what we know of it is only what the SDK says. */
const foreign = (info: Omit<CcSessionInfo, keyof ForeignFields>): CcSessionInfo => ({
  ...info,
  stableId: null,
  claudeSessionIds: [info.sessionId],
  forkedFrom: null,
  status: "unknown",
  host: "",
  label: null,
  programmatic: false
})
type ForeignFields = Pick<
  CcSessionInfo,
  "stableId" | "claudeSessionIds" | "forkedFrom" | "status" | "host" | "label" | "programmatic"
>

/** One session's row by a Claude id (any member of its chain), a stable id or a label; undefined if none. */
export const getSessionInfo = async (
  sessionId: string,
  options: GetSessionInfoOptions & WithCcSession = {}
): Promise<CcSessionInfo | undefined> => {
  if (options.sessionStore !== undefined) {
    const info = await sdkGetSessionInfo(sessionId, stripped(options))
    return info === undefined ? undefined : foreign(info)
  }
  const row = await sessionRowOf(contextOf(options), sessionId)
  if (row === undefined) return undefined
  if (options.dir !== undefined && row.cwd !== undefined && canonical(options.dir) !== row.cwd) return undefined
  return row
}

/** The row to change and its latest transcript here, or a typed error naming what was asked for. */
const targetOf = async (
  context: SessionsContext,
  sessionId: string
): Promise<CcSessionInfo & { readonly latest: ClaudeSessionId; readonly path: string }> => {
  const row = await sessionRowOf(context, sessionId)
  const latest = row === undefined ? undefined : claudeSessionIdOf(row.sessionId)
  const path = latest === undefined ? undefined : (await context.open()).cache.byClaudeId(latest)?.path
  if (row === undefined || latest === undefined || path === undefined)
    throw new SessionNotHere({
      reference: sessionId,
      message: `no session ${JSON.stringify(sessionId)} has its transcript in this machine's Claude homes (${context.claudeHomes.join(", ")})`
    })
  return { ...row, latest, path }
}

/** A title or tag as the SDK takes it (trimmed), or a typed error saying why not. */
const cleaned = (text: string, what: "title" | "tag"): string => {
  const clean = cleanMark(text, what)
  if (clean._tag === "Bad") throw new InvalidSessionOptions({ message: clean.reason })
  return clean.text
}

/** The index's own transcripts as the SDK's store, new sessions going into `folder`. */
const indexStore = async (context: SessionsContext, folder: string): Promise<SessionStore> => {
  const { cache } = await context.open()
  return localStore((id) => cache.byClaudeId(id)?.path, folder) as unknown as SessionStore
}

const record = async (context: SessionsContext, events: ReadonlyArray<SessionEvent>): Promise<void> => {
  if (events.length > 0) await (await context.log()).append([...events])
  forgetSessions(context)
}

const owner = (row: CcSessionInfo): StableId | undefined =>
  row.stableId === null ? undefined : stableIdOf(row.stableId)

/**
 * The messages of a session's whole chain, oldest first (a chain member's are its own; a
 * message the next member copied is given once), then `offset` and `limit`. A member whose
 * transcript Claude's cleanup deleted is read from the vault, when it kept it.
 */
export const getSessionMessages = async (
  sessionId: string,
  options: GetSessionMessagesOptions & WithCcSession = {}
): Promise<Array<SessionMessage>> => {
  const { ccSession: _, offset, limit, ...sdkOptions } = options
  if (options.sessionStore !== undefined) return sdkGetSessionMessages(sessionId, stripped(options))
  const context = contextOf(options)
  const row = await sessionRowOf(context, sessionId)
  if (row === undefined) return sdkGetSessionMessages(sessionId, sdkOptions)
  const { cache } = await context.open()
  const seen = new Set<string>()
  const messages: Array<SessionMessage> = []
  for (const member of row.claudeSessionIds) {
    const here = cache.byClaudeId(member)
    const store = here === undefined ? await vaultStoreOf(context) : await indexStore(context, dirname(here.path))
    if (store === undefined) continue
    const dir = here?.cwd ?? row.cwd
    const own = await sdkGetSessionMessages(member, {
      ...sdkOptions,
      ...(dir === undefined ? {} : { dir }),
      sessionStore: store
    })
    for (const m of own) {
      if (seen.has(m.uuid)) continue
      seen.add(m.uuid)
      messages.push(m)
    }
  }
  return page(messages, { offset, limit })
}

/** The vault as the SDK's `SessionStore`, when the store keeps one. */
export const vaultStoreOf = async (context: SessionsContext): Promise<SessionStore | undefined> => {
  const opened = await context.vault()
  if (opened === undefined) return undefined
  // the vault's store is structural (it imports no SDK type): the SDK's interface is its shape
  return vaultSessionStore(opened.vault, { foldSessionSummary }) as unknown as SessionStore
}

/** Renames a session (its chain's latest transcript): a `custom-title` entry, as the SDK writes it. */
export const renameSession = async (
  sessionId: string,
  title: string,
  options: SessionMutationOptions & WithCcSession = {}
): Promise<void> => {
  const context = contextOf(options)
  const clean = cleaned(title, "title")
  const row = await targetOf(context, sessionId)
  await record(context, writeMark(row.path, row.latest, { _tag: "Title", title: clean }, owner(row)).events)
}

/** Tags a session (its chain's latest transcript); null clears the tag. */
export const tagSession = async (
  sessionId: string,
  tag: string | null,
  options: SessionMutationOptions & WithCcSession = {}
): Promise<void> => {
  const context = contextOf(options)
  const clean = tag === null ? null : cleaned(tag, "tag")
  const row = await targetOf(context, sessionId)
  await record(context, writeMark(row.path, row.latest, { _tag: "Tag", tag: clean }, owner(row)).events)
}

const setArchived = async (sessionId: string, archived: boolean, options: SessionMutationOptions & WithCcSession) => {
  const context = contextOf(options)
  const row = await targetOf(context, sessionId)
  await record(context, writeMark(row.path, row.latest, { _tag: "Archive", archived }, owner(row)).events)
}

/** Archives a session: the SDK's mark beside its latest transcript, and its stable session's status. */
export const archiveSession = (sessionId: string, options: SessionMutationOptions & WithCcSession = {}) =>
  setArchived(sessionId, true, options)

/** Unarchives a session. */
export const unarchiveSession = (sessionId: string, options: SessionMutationOptions & WithCcSession = {}) =>
  setArchived(sessionId, false, options)

/**
 * Forks a session's chain at its latest transcript (or at `upToMessageId`) into a new session
 * with fresh message uuids, as the SDK's `forkSession` does, and gives the fork a stable id of
 * its own whose `forkedFrom` names the parent.
 */
export const forkSession = async (
  sessionId: string,
  options: ForkSessionOptions & WithCcSession = {}
): Promise<{ sessionId: string; stableId: string }> => {
  const context = contextOf(options)
  const row = await targetOf(context, sessionId)
  const { sessionId: forked } = await sdkForkSession(row.latest, {
    ...(row.cwd === undefined ? {} : { dir: row.cwd }),
    sessionStore: await indexStore(context, dirname(row.path)),
    ...(options.upToMessageId === undefined ? {} : { upToMessageId: options.upToMessageId }),
    ...(options.title === undefined ? {} : { title: options.title })
  })
  const fork = claudeSessionIdOf(forked)
  const stableId = newStableId()
  const parent = owner(row)
  if (fork !== undefined) {
    const link = {
      from: row.latest,
      to: fork,
      kind: "fork" as const,
      source: "agent-sdk",
      evidence: `forkSession(${row.latest}) answered with ${fork}`
    }
    await record(context, [
      makeEvent("session.opened", stableId, {
        cwd: row.cwd ?? process.cwd(),
        mode: "interactive",
        entrypoint: "sdk-ts",
        ...(parent === undefined ? {} : { forkOf: parent })
      }),
      makeEvent("claude.observed", stableId, {
        claudeSessionId: fork,
        source: "agent-sdk",
        evidence: "forkSession",
        confidence: 1
      }),
      makeEvent("chain.linked", stableId, link),
      ...(parent === undefined ? [] : [makeEvent("chain.linked", parent, link)])
    ])
  }
  return { sessionId: forked, stableId }
}

/** The SDK's own options, without ours. */
const stripped = <O extends WithCcSession>(options: O): Omit<O, "ccSession"> => {
  const { ccSession: _, ...rest } = options
  return rest
}
