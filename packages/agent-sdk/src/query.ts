/**
 * The SDK's `query()` with a stable session id. Its signature is the SDK's plus `ccSession`,
 * and it returns the SDK's `Query`, every message passed on as it came.
 *
 * - A new session: its Claude id is chosen up front (`sessionId`), and `session.opened`
 *   (cwd, the prompt's hash, `entrypoint: sdk-ts`), `claude.observed` and `run.started` are in
 *   the event log before claude starts; `run.finished` when the stream ends.
 * - `resume` takes a Claude id, a stable id or a label: the chain's latest Claude id is
 *   resumed, from the session's own directory (claude finds a session only from there). A
 *   session no stable id owns yet gets one, with its whole chain. `continue: true` resumes
 *   the latest session of `cwd` the same way.
 * - `forkSession: true` gives the fork a stable id of its own, linked to its parent.
 * - With a vault (the store's policy is not `none`), the run's transcript is kept in it as
 *   claude writes it, and a resume first puts back what the vault holds and this host lacks
 *   (a transcript Claude's cleanup deleted, or one another host went on with), under a claim:
 *   a resume on another host that shares the vault continues the same conversation. The
 *   transcript file stays the one truth: the SDK's `sessionStore`, when given, is passed on,
 *   but never set by default (with one, the SDK resumes in a copy it loads from the store
 *   and leaves the local transcript behind).
 */
import { existsSync } from "node:fs"
import { resolve as resolvePath } from "node:path"
import {
  type Options,
  type Query,
  type SDKMessage,
  type SDKUserMessage,
  query as sdkQuery
} from "@anthropic-ai/claude-agent-sdk"
import {
  type ClaudeSessionId,
  claudeSessionIdOf,
  labelEvents,
  makeEvent,
  newClaudeSessionId,
  newStableId,
  type SessionEvent,
  type SessionMap,
  type StableId
} from "@cc/events"
import type { Resolver } from "@cc/resolver"
import { hashPrompt } from "@cc/sources"
import { claimRun, type RunClaim, type RunKeeper, releaseClaim, restoreMissing, runKeeper } from "@cc/vault-keeper"
import { type SessionsContext, sessionsContext } from "./context.js"
import { InvalidSessionOptions, SessionDirectoryMissing, SessionNotHere, StableIdTaken } from "./errors.js"
import { observedQuery, setStableId } from "./observe.js"
import { type CcSessionOptions, ccSessionOptionsOf } from "./options.js"
import { type PreparedRun, recorder } from "./recorder.js"

export type CcQueryOptions = Options & { readonly ccSession?: CcSessionOptions }

export interface CcQueryParams {
  readonly prompt: string | AsyncIterable<SDKUserMessage>
  readonly options?: CcQueryOptions
}

/** The events that give `id` the label, if one was asked for (`labelEvents`, with every session that holds it now). */
const labelTaken = (map: SessionMap, id: StableId, label: string | undefined): Array<SessionEvent> =>
  label === undefined
    ? []
    : labelEvents(
        id,
        label,
        [...map.sessions.values()].filter((v) => v.label === label)
      )

const directoryOf = (cwd: string | null, reference: string): string => {
  if (cwd === null)
    throw new SessionDirectoryMissing({ cwd: "(unknown)", message: `the directory ${reference} ran in is unknown` })
  if (!existsSync(cwd))
    throw new SessionDirectoryMissing({
      cwd,
      message: `the directory ${cwd} that ${reference} ran in no longer exists (a removed worktree?): claude resumes a session only from its own directory`
    })
  return cwd
}

/** The session a resume (or a `continue`) continues, given a stable id first if none owns it. */
const resumeTarget = async (
  resolver: Resolver,
  context: SessionsContext,
  reference: string | { readonly cwd: string },
  expected: StableId | undefined
) => {
  const resolution =
    typeof reference === "string" ? await resolver.resolve(reference) : await resolver.latestInCwd(reference.cwd)
  const named = typeof reference === "string" ? reference : `the latest session of ${reference.cwd}`
  const latest = resolution.latestClaudeSessionId
  if (latest === null)
    throw new SessionNotHere({ reference: named, message: `${named} has no Claude session id yet: nothing to resume` })
  const cwd = directoryOf(resolution.cwd, named)
  if (expected !== undefined && resolution.stableId !== null && expected !== resolution.stableId)
    throw new InvalidSessionOptions({
      message: `ccSession.stableId is ${expected}, but ${named} is ${resolution.stableId}`
    })
  let stableId = resolution.stableId
  if (stableId === null) {
    // adopted as it is resumed: the whole chain, in the transcripts' order
    stableId = expected ?? newStableId()
    await (await context.log()).append([
      makeEvent("session.opened", stableId, { cwd, mode: "stream", entrypoint: "sdk-ts" })
    ])
    await resolver.adopt(stableId, latest, {
      resolvedBy: "transcripts",
      confidence: 1,
      evidence: "resumed through @cc/agent-sdk"
    })
  }
  return { stableId, latest, cwd, chain: resolution.claudeSessionIds }
}

/** The Claude home a run writes its transcript to: its env's CLAUDE_CONFIG_DIR, else the first home read. */
const runHome = (context: SessionsContext, env: NodeJS.ProcessEnv | undefined): string | undefined => {
  const fromEnv = env?.CLAUDE_CONFIG_DIR?.split(":")[0]
  return fromEnv !== undefined && fromEnv !== "" ? resolvePath(fromEnv) : context.claudeHomes[0]
}

/**
 * Before a resume or fork: the claim on the transcript it continues (a fork's only for as long
 * as it copies), and the chain's kept transcripts put back where claude looks for a run in
 * `cwd` (brought up to the vault's copy under the claim: another host went on with it).
 */
const restoreChain = async (
  context: SessionsContext,
  home: string | undefined,
  target: {
    readonly stableId: StableId
    readonly latest: ClaudeSessionId
    readonly cwd: string
    readonly chain: ReadonlyArray<string>
  },
  reference: string,
  purpose: "resume" | "fork"
): Promise<RunClaim | undefined> => {
  const opened = await context.vault()
  if (opened === undefined || home === undefined) return undefined
  const claim = await claimRun(opened.vault, {
    reference,
    stableId: target.stableId,
    latest: target.latest,
    purpose,
    hint: `Wait for it to end, or fork it: query({ options: { resume: "${target.stableId}", forkSession: true } })`
  })
  try {
    const { cache } = await context.open()
    await cache.ensureFresh()
    await restoreMissing(opened.vault, cache, home, target.chain, target.cwd, { catchUp: claim !== undefined })
  } catch (error) {
    await releaseClaim(opened.vault, claim)
    throw error
  }
  if (purpose === "fork") {
    await releaseClaim(opened.vault, claim)
    return undefined
  }
  return claim
}

const keeperFor = (
  context: SessionsContext,
  home: string | undefined,
  cwd: string,
  claim?: RunClaim
): RunKeeper | undefined =>
  context.policy === "none" || home === undefined
    ? undefined
    : runKeeper(
        async () => {
          const opened = await context.vault()
          if (opened === undefined) throw new Error("no vault")
          // the context's vault stays open for the process's next run: the keeper does not close it
          return { vault: opened.vault, close: async () => {} }
        },
        home,
        cwd,
        claim
      )

/** A new session's (or fork's) first events: opened, labeled, and its Claude id chosen up front. */
const openingEvents = (
  map: SessionMap,
  id: StableId,
  opened: { readonly cwd: string; readonly forkOf?: StableId; readonly promptHash?: string },
  label: string | undefined,
  chosen: ClaudeSessionId | undefined
): Array<SessionEvent> => [
  makeEvent("session.opened", id, { ...opened, mode: "stream", entrypoint: "sdk-ts" }),
  ...labelTaken(map, id, label),
  ...(chosen === undefined
    ? []
    : [
        makeEvent("claude.observed", id, {
          claudeSessionId: chosen,
          source: "agent-sdk",
          evidence: "sessionId chosen at launch",
          confidence: 1
        })
      ])
]

/** A new session's Claude id, chosen up front: the caller's `sessionId`, else a new one. */
const chosenClaudeId = (given: Options): ClaudeSessionId | undefined =>
  given.sessionId === undefined ? newClaudeSessionId() : claudeSessionIdOf(given.sessionId)

const promptHashOf = (prompt: CcQueryParams["prompt"]) =>
  typeof prompt === "string" && prompt.trim() !== "" ? { promptHash: hashPrompt(prompt) } : {}

const prepare = async (
  params: CcQueryParams,
  cc: CcSessionOptions,
  context: SessionsContext,
  newId: StableId
): Promise<PreparedRun> => {
  const { ccSession: _, ...given } = params.options ?? {}
  const { resolver } = await context.open()
  const log = await context.log()
  const map = await resolver.sessions()
  const home = runHome(context, given.env)
  const reference =
    typeof given.resume === "string" && given.resume !== ""
      ? given.resume
      : given.continue === true
        ? { cwd: resolvePath(given.cwd ?? process.cwd()) }
        : undefined

  if (reference === undefined) {
    if (cc.stableId !== undefined && (map.sessions.get(cc.stableId)?.claudeSessionIds.length ?? 0) > 0)
      throw new StableIdTaken({
        stableId: cc.stableId,
        message: `${cc.stableId} already has a conversation: resume it (resume: "${cc.stableId}") rather than start another under its id`
      })
    const cwd = resolvePath(given.cwd ?? process.cwd())
    const chosen = chosenClaudeId(given)
    await log.append(openingEvents(map, newId, { cwd, ...promptHashOf(params.prompt) }, cc.label, chosen))
    const keeper = keeperFor(context, home, cwd)
    return {
      stableId: newId,
      options: { ...given, cwd, ...(chosen === undefined ? {} : { sessionId: chosen }) },
      ...(chosen === undefined ? {} : { chosen }),
      ...(keeper === undefined ? {} : { keeper })
    }
  }

  const forking = given.forkSession === true
  // a fork's stable id is its own (ccSession.stableId names the fork); a resume's is the session's
  const target = await resumeTarget(resolver, context, reference, forking ? undefined : cc.stableId)
  const named = typeof reference === "string" ? reference : target.stableId
  const claim = await restoreChain(context, home, target, named, forking ? "fork" : "resume")
  const { continue: _continue, ...rest } = given
  if (forking) {
    const fork = newId
    const chosen = chosenClaudeId(given)
    await log.append(
      openingEvents(
        map,
        fork,
        { cwd: target.cwd, forkOf: target.stableId, ...promptHashOf(params.prompt) },
        cc.label,
        chosen
      )
    )
    const keeper = keeperFor(context, home, target.cwd)
    return {
      stableId: fork,
      options: {
        ...rest,
        resume: target.latest,
        cwd: target.cwd,
        ...(chosen === undefined ? {} : { sessionId: chosen })
      },
      ...(keeper === undefined ? {} : { keeper }),
      ...(chosen === undefined ? {} : { chosen }),
      resumedFrom: target.latest,
      linkKind: "fork",
      parentStableId: target.stableId
    }
  }
  await log.append(labelTaken(map, target.stableId, cc.label))
  // claude refuses a chosen id on a resume that is not a fork: the session keeps its own
  const { sessionId: _sessionId, ...resumed } = rest
  const keeper = keeperFor(context, home, target.cwd, claim)
  return {
    stableId: target.stableId,
    options: { ...resumed, resume: target.latest, cwd: target.cwd },
    ...(keeper === undefined ? {} : { keeper }),
    resumedFrom: target.latest,
    linkKind: "resume"
  }
}

/**
 * `query()` as the SDK has it, with a stable session id. Bad `ccSession` options throw here;
 * a reference that does not resolve, or a store that cannot be written, rejects the first
 * `next()` with its typed error.
 */
export function query(params: CcQueryParams): Query {
  const cc = ccSessionOptionsOf(params.options?.ccSession)
  const context = sessionsContext(cc, params.options?.env ?? process.env)
  const newId = cc.stableId ?? newStableId()
  const runId = `sdk-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`
  const resuming = params.options?.resume !== undefined || params.options?.continue === true
  const ready = prepare(params, cc, context, newId).then(async (run) => {
    const observer = recorder(context, run, runId)
    await observer.started()
    try {
      return { run, observer, inner: sdkQuery({ prompt: params.prompt, options: run.options }) }
    } catch (error) {
      // the SDK refused its options: the run that was recorded as started ends here
      await observer.finished({ resultSubtype: "error", isError: true })
      throw error
    }
  })
  const tapped = observedQuery(ready)
  // a new session's stable id is known now; a resumed one's once its reference resolves
  if (!resuming || params.options?.forkSession === true) setStableId(tapped, newId)
  ready.then(
    ({ run }) => setStableId(tapped, run.stableId),
    () => undefined
  )
  return tapped
}

export type { SDKMessage }
