/**
 * Supervising one Claude Code run: claude's stdout and stderr go straight to the log file
 * (so if this supervisor is killed, claude keeps writing and the resolver still finds the
 * session from the log), while the supervisor follows the file, writes the sidecar atomically
 * as soon as `system/init` names the Claude session, and appends what it saw as events.
 */
import type { ChildProcess } from "node:child_process"
import { dirname } from "node:path"
import {
  ClaudeSessionId,
  type EventLog,
  ensureDirectory,
  HOST,
  makeEvent,
  openEventLog,
  ownStartTime,
  processStartTime,
  readJsonlLines,
  runInitEvents,
  type SessionEvent,
  StableId,
  writeFileAtomicSync
} from "@cc/events"
import {
  defaultClaudeHomes,
  parseStreamLine,
  resultErrors,
  SIDECAR_VERSION,
  type Sidecar,
  sidecarPathFor
} from "@cc/sources"
import { VaultLocation } from "@cc/vault"
import { KEEP_EVERY_MS, RunClaim, runKeeper } from "@cc/vault-keeper"
import * as Schema from "effect/Schema"
import { spawnClaude, startError } from "./spawn-claude.js"
import { openVaultAt } from "./vault-open.js"

/** What a run is: the launcher writes it, the detached supervisor decodes it from its stdin. */
export const RunSpec = Schema.Struct({
  stableId: StableId,
  runId: Schema.String,
  storeDir: Schema.String,
  claudeBin: Schema.String,
  args: Schema.Array(Schema.String),
  cwd: Schema.String,
  logPath: Schema.String,
  /** Sent on claude's stdin: a prompt never appears in a command line. */
  prompt: Schema.optionalKey(Schema.String),
  mode: Schema.Literals(["run", "stream", "detached"]),
  /** The id we resumed: a different id in `system/init` (1.0.x) is linked to it. */
  resumedFrom: Schema.optionalKey(ClaudeSessionId),
  linkKind: Schema.optionalKey(Schema.Literals(["resume", "fork"])),
  /** For a fork: the parent's stable id, which gets the fork link too. */
  parentStableId: Schema.optionalKey(StableId),
  /** The shared log (`--events`) a detached supervisor pushes its events to once they are here. */
  pushTo: Schema.optionalKey(Schema.String),
  /** The vault the run keeps its transcript in while it writes (none: the policy says none). */
  vault: Schema.optionalKey(VaultLocation),
  /** The Claude home claude writes the transcript in (`CLAUDE_CONFIG_DIR` of the run). */
  claudeHome: Schema.optionalKey(Schema.String),
  /** The claim on the transcript a resume continues: renewed while the run writes, given up after. */
  claim: Schema.optionalKey(RunClaim)
})
export type RunSpec = typeof RunSpec.Type

export interface RunOutcome {
  readonly claudeSessionId?: ClaudeSessionId
  readonly exitCode: number | null
  readonly signal?: string
  readonly isError: boolean
  readonly resultSubtype?: string
  readonly resultText?: string
  readonly errors: ReadonlyArray<string>
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

export const superviseRun = async (
  spec: RunSpec,
  hooks: {
    readonly onLine?: (line: string) => void
    readonly onStart?: (pid: number | undefined) => void
    readonly log?: EventLog
    /** A claude already started by `spawnClaude` (the detached supervisor starts it first). */
    readonly child?: ChildProcess
  } = {}
): Promise<RunOutcome> => {
  const startedAt = new Date().toISOString()
  if (hooks.child === undefined) ensureDirectory(dirname(spec.logPath))
  const child = hooks.child ?? spawnClaude(spec)
  const log = hooks.log ?? (await openEventLog({ dir: spec.storeDir }))
  const sidecarPath = sidecarPathFor(spec.logPath)
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; error?: Error }>((resolve) => {
    // it may have failed to start, or ended, while the modules loaded
    const failed = startError(child)
    if (failed !== undefined) resolve({ code: null, signal: null, error: failed })
    if (child.exitCode !== null || child.signalCode !== null)
      resolve({ code: child.exitCode, signal: child.signalCode })
    child.once("error", (error) => resolve({ code: null, signal: null, error }))
    child.once("exit", (code, signal) => resolve({ code, signal }))
  })
  hooks.onStart?.(child.pid)
  const append = (events: Array<SessionEvent>) => log.append(events)
  // who runs it, so that a reader can tell later whether the run still lives (a pid alone
  // could be reused): claude and this supervisor, each with its start time, and the host
  await append([
    makeEvent("run.started", spec.stableId, {
      runId: spec.runId,
      ...(child.pid === undefined ? {} : { pid: child.pid, pidStart: processStartTime(child.pid) }),
      supervisorPid: process.pid,
      supervisorStart: ownStartTime(),
      host: HOST,
      mode: spec.mode,
      logPath: spec.logPath
    })
  ])

  let offset = 0
  let claudeSessionId: ClaudeSessionId | undefined
  let isError = false
  let sawResult = false
  let resultSubtype: string | undefined
  let resultText: string | undefined
  const errors: Array<string> = []
  let sidecar: Sidecar = {
    version: SIDECAR_VERSION,
    stableId: spec.stableId,
    cwd: spec.cwd,
    logPath: spec.logPath,
    startedAt,
    ...(child.pid === undefined ? {} : { pid: child.pid })
  }

  const follow = async (): Promise<void> => {
    for await (const item of readJsonlLines(spec.logPath, { from: offset, maxLineBytes: 4 * 1024 * 1024 })) {
      if (item._tag === "End") {
        offset = item.nextOffset
        break
      }
      if (item._tag !== "Line") continue
      hooks.onLine?.(item.text)
      const parsed = parseStreamLine(item.text)
      if (parsed._tag === "Init" && claudeSessionId === undefined) {
        claudeSessionId = parsed.sessionId
        sidecar = { ...sidecar, claudeSessionId, updatedAt: new Date().toISOString() }
        writeFileAtomicSync(sidecarPath, JSON.stringify(sidecar))
        const events = runInitEvents({
          stableId: spec.stableId,
          claudeSessionId,
          source: "stream",
          evidence: `system/init at byte ${item.offset} of ${spec.logPath}`,
          ...(spec.resumedFrom === undefined ? {} : { resumedFrom: spec.resumedFrom }),
          ...(spec.linkKind === undefined ? {} : { linkKind: spec.linkKind }),
          ...(spec.parentStableId === undefined ? {} : { parentStableId: spec.parentStableId }),
          linkSource: "launcher"
        })
        await append(events)
      } else if (parsed._tag === "Result") {
        sawResult = true
        isError = isError || parsed.line.is_error === true
        resultSubtype = parsed.line.subtype
        if (typeof parsed.line.result === "string") resultText = parsed.line.result
        errors.push(...resultErrors(parsed.line))
      } else if (parsed._tag === "Text") {
        errors.push(parsed.text)
      }
    }
  }

  // the transcript kept in the vault while claude writes it, and once more when it is done
  const home = spec.claudeHome ?? defaultClaudeHomes()[0]
  const at = spec.vault
  const keeper =
    at === undefined || home === undefined ? undefined : runKeeper(() => openVaultAt(at), home, spec.cwd, spec.claim)
  let keptAt = Date.now()
  let done = false
  const outcome = exited.then((value) => {
    done = true
    return value
  })
  while (!done) {
    await follow()
    if (keeper !== undefined && Date.now() - keptAt >= KEEP_EVERY_MS) {
      await keeper.tick(claudeSessionId)
      keptAt = Date.now()
    }
    await Promise.race([outcome, sleep(50)])
  }
  await follow()
  const { code, signal, error } = await outcome
  if (error !== undefined) errors.push(`could not start ${spec.claudeBin}: ${error.message}`)
  // a result that says is_error is a failure whatever the exit code; no result and a bad exit too
  const failed = isError || (!sawResult && (code !== 0 || signal !== null))
  const finished = {
    exitCode: code,
    isError: failed,
    ...(resultSubtype === undefined ? {} : { resultSubtype })
  }
  await append([
    makeEvent("run.finished", spec.stableId, {
      runId: spec.runId,
      ...finished,
      ...(signal === null ? {} : { signal })
    })
  ])
  sidecar = { ...sidecar, updatedAt: new Date().toISOString(), finished }
  writeFileAtomicSync(sidecarPath, JSON.stringify(sidecar))
  await keeper?.finish(claudeSessionId)
  return {
    ...(claudeSessionId === undefined ? {} : { claudeSessionId }),
    exitCode: code,
    ...(signal === null ? {} : { signal }),
    isError: failed,
    ...(resultSubtype === undefined ? {} : { resultSubtype }),
    ...(resultText === undefined ? {} : { resultText }),
    errors
  }
}
