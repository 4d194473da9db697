/**
 * What the event log is told of a run as its messages pass (its start, its init line, its
 * end), and the run's transcript kept in the vault meanwhile. A log that cannot be written
 * loses the record, never the run.
 */
import type { Options } from "@anthropic-ai/claude-agent-sdk"
import {
  type ClaudeSessionId,
  claudeSessionIdOf,
  HOST,
  makeEvent,
  runInitEvents,
  type SessionEvent,
  type StableId
} from "@cc/events"
import { KEEP_EVERY_MS, type RunKeeper } from "@cc/vault-keeper"
import type { SessionsContext } from "./context.js"
import { forgetSessions } from "./listing.js"
import type { RunObserver } from "./observe.js"

/** What a run is, once its session is known: the SDK's options to start it with, and how to record it. */
export interface PreparedRun {
  readonly stableId: StableId
  readonly options: Options
  /** The Claude id chosen up front (a new session, a fork), already recorded. */
  readonly chosen?: ClaudeSessionId
  readonly resumedFrom?: ClaudeSessionId
  readonly linkKind?: "resume" | "fork"
  readonly parentStableId?: StableId
  /** What keeps the run's transcript in the vault (none without one). */
  readonly keeper?: RunKeeper
}

/** What the log is told as the run's messages pass. */
export const recorder = (context: SessionsContext, run: PreparedRun, runId: string): RunObserver => {
  const append = async (events: ReadonlyArray<SessionEvent>) => {
    try {
      if (events.length > 0) await (await context.log()).append([...events])
    } catch (error) {
      // a log that cannot be written loses the record, never the run
      context.warn(`the event log could not be written: ${error instanceof Error ? error.message : String(error)}`)
    }
    forgetSessions(context)
  }
  // the transcript kept as claude writes it: every few seconds, at its first line and at its end
  let current: string | undefined = run.chosen ?? (run.linkKind === "resume" ? run.resumedFrom : undefined)
  const timer = run.keeper === undefined ? undefined : setInterval(() => void run.keeper?.tick(current), KEEP_EVERY_MS)
  timer?.unref()
  return {
    started: async () => {
      await run.keeper?.tick(current)
      await append([
        makeEvent("run.started", run.stableId, {
          runId,
          host: HOST,
          mode: "stream",
          supervisorPid: process.pid,
          ...(run.chosen === undefined ? {} : { claudeSessionId: run.chosen })
        })
      ])
    },
    init: async (sessionId) => {
      current = sessionId
      await run.keeper?.tick(current)
      const claudeSessionId = claudeSessionIdOf(sessionId)
      if (claudeSessionId === undefined || (claudeSessionId === run.chosen && run.resumedFrom === undefined)) return
      await append(
        runInitEvents({
          stableId: run.stableId,
          claudeSessionId,
          source: "agent-sdk",
          evidence: `system/init of query() in process ${process.pid}`,
          ...(run.resumedFrom === undefined ? {} : { resumedFrom: run.resumedFrom }),
          ...(run.linkKind === undefined ? {} : { linkKind: run.linkKind }),
          ...(run.parentStableId === undefined ? {} : { parentStableId: run.parentStableId }),
          linkSource: "agent-sdk"
        })
      )
    },
    finished: async (outcome) => {
      if (timer !== undefined) clearInterval(timer)
      await run.keeper?.finish(current)
      await append([
        makeEvent("run.finished", run.stableId, {
          runId,
          exitCode: null,
          ...(outcome.resultSubtype === undefined ? {} : { resultSubtype: outcome.resultSubtype }),
          isError: outcome.isError
        })
      ])
    }
  }
}
