/**
 * The launcher: run, resume, continue and fork Claude Code sessions in foreground, stream or
 * detached mode, returning our stable id at once.
 */
import { spawn } from "node:child_process"
import { randomUUID } from "node:crypto"
import { copyFileSync, existsSync } from "node:fs"
import { basename, dirname, join, resolve } from "node:path"
import { fileURLToPath } from "node:url"
import type { TranscriptCache } from "@cc/cache"
import {
  type ClaudeSessionId,
  consecutivePairs,
  directoryProblem,
  type EventLog,
  ensureDirectory,
  HOST,
  makeEvent,
  newClaudeSessionId,
  newStableId,
  runAsPromise,
  type StableId,
  storeLayout
} from "@cc/events"
import type { Resolver } from "@cc/resolver"
import { hashPrompt, projectFolderName } from "@cc/sources"
import { transcriptKeyOf, type VaultLocation, type VaultShape } from "@cc/vault"
import { detectCapabilities, findExecutable } from "./capabilities.js"
import { LaunchRefused, RunFailed, SessionCwdMissing } from "./launch-errors.js"

export { SessionBusy } from "@cc/vault-keeper"
export { LaunchRefused, RunFailed, SessionCwdMissing, SessionOnAnotherHost } from "./launch-errors.js"

import { claimRun, type RunClaim, releaseClaim, restoreMissing } from "@cc/vault-keeper"
import { type RunOutcome, type RunSpec, superviseRun } from "./supervise.js"
import { failIfElsewhere } from "./transcript-here.js"
import { openVaultAt } from "./vault-open.js"

export type LaunchMode = "foreground" | "stream" | "detached"

export interface LauncherOptions {
  readonly storeDir: string
  readonly log: EventLog
  readonly resolver: Resolver
  /** The transcript index behind the resolver: refreshed before moving a session (`--in`). */
  readonly cache?: TranscriptCache
  /** The claude executable: a path, or a name looked up on PATH. */
  readonly claudeBin: string
  /** Claude config roots; the first is where `--in DIR` places a moved session's transcript. */
  readonly claudeHomes: ReadonlyArray<string>
  /** Where a session's recorded cwd is on this host (a container's `/workspace`, say). */
  readonly hostPath?: (cwd: string) => string
  /** The shared log (`--events`) a detached run's supervisor pushes its events to. */
  readonly pushTo?: string
  /**
   * The transcript vault: runs keep their transcripts in it as they write, and resume, fork
   * and continue restore a kept transcript Claude deleted before claude runs (none: off).
   */
  readonly vault?: VaultLocation
  /** The vault at `vault`, already open (the CLI's, closed when the command ends); else it is opened for each restore. */
  readonly openVault?: () => Promise<VaultShape>
}

export interface LaunchResult {
  readonly id: StableId
  readonly claudeSessionId?: ClaudeSessionId
  readonly pid?: number
  readonly log: string
  readonly outcome?: RunOutcome
}

export interface LaunchCommon {
  readonly mode?: LaunchMode
  readonly logPath?: string
  /** Called with each stream-json line (stream mode). */
  readonly onLine?: (line: string) => void
}

export { type Capabilities, detectCapabilities, findExecutable } from "./capabilities.js"

const supervisorPath = (): string => join(dirname(fileURLToPath(import.meta.url)), "supervisor.js")

interface NewRun {
  readonly runId: string
  readonly logPath: string
  readonly mode: RunSpec["mode"]
}

const streamArgs = ["--output-format", "stream-json", "--verbose"]

export class Launcher {
  readonly #o: LauncherOptions

  constructor(options: LauncherOptions) {
    this.#o = options
  }

  /** Refuses a launch that cannot start, before any event says it did. */
  #preflight(cwd: string): void {
    const problem = directoryProblem(cwd)
    if (problem !== undefined) throw new LaunchRefused({ reason: "cwd", message: `${problem}: nothing was started` })
    if (findExecutable(this.#o.claudeBin) === undefined) {
      throw new LaunchRefused({
        reason: "claude",
        message: `no claude to run: ${JSON.stringify(this.#o.claudeBin)} is ${this.#o.claudeBin.includes("/") ? "not there" : "not on PATH"} (install Claude Code, or pass --claude-bin PATH); nothing was started`
      })
    }
  }

  #logPath(id: StableId, runId: string, explicit?: string): string {
    return explicit !== undefined ? resolve(explicit) : storeLayout(this.#o.storeDir).runLog(id, runId)
  }

  async #start(spec: RunSpec, common: LaunchCommon, knownClaudeId?: ClaudeSessionId): Promise<LaunchResult> {
    const mode = common.mode ?? "foreground"
    if (mode === "detached") {
      ensureDirectory(dirname(spec.logPath))
      // its own process session (setsid): the caller may exit at once, a terminal hangup does
      // not reach it; the spec, prompt included, goes through a pipe, never the command line
      const child = spawn(process.execPath, [supervisorPath()], {
        detached: true,
        stdio: ["pipe", "ignore", "ignore"],
        cwd: spec.cwd,
        env: process.env
      })
      const failed = await new Promise<Error | undefined>((resolve) => {
        child.once("error", (error) => resolve(error))
        child.once("spawn", () => resolve(undefined))
      })
      if (failed !== undefined) {
        // recorded as lost, with why: the session is never left "opened" with an id that never ran
        await this.#o.log.append([
          makeEvent("run.started", spec.stableId, {
            runId: spec.runId,
            host: HOST,
            mode: spec.mode,
            logPath: spec.logPath
          }),
          makeEvent("run.finished", spec.stableId, {
            runId: spec.runId,
            exitCode: null,
            isError: true,
            lost: `its supervisor could not be started: ${failed.message}`
          })
        ])
        throw new RunFailed({
          stableId: spec.stableId,
          exitCode: null,
          errors: [failed.message],
          message: `the detached run of ${spec.stableId} could not be started: ${failed.message}`
        })
      }
      await new Promise<void>((resolve) => {
        child.stdin?.on("error", () => resolve())
        child.stdin?.end(JSON.stringify(spec), () => resolve())
      })
      child.unref()
      return {
        id: spec.stableId,
        ...(knownClaudeId === undefined ? {} : { claudeSessionId: knownClaudeId }),
        ...(child.pid === undefined ? {} : { pid: child.pid }),
        log: spec.logPath
      }
    }
    const outcome = await superviseRun(spec, {
      log: this.#o.log,
      ...(common.onLine === undefined ? {} : { onLine: common.onLine })
    })
    const claudeSessionId = outcome.claudeSessionId ?? knownClaudeId
    return {
      id: spec.stableId,
      ...(claudeSessionId === undefined ? {} : { claudeSessionId }),
      log: spec.logPath,
      outcome
    }
  }

  /** A new run of session `id`: its run id, its log file, and the event-log mode. */
  #newRun(id: StableId, options: LaunchCommon): NewRun {
    const runId = randomUUID()
    const mode = options.mode ?? "foreground"
    return {
      runId,
      logPath: this.#logPath(id, runId, options.logPath),
      mode: mode === "foreground" ? ("run" as const) : mode
    }
  }

  /** The spec of a run: the parts every run shares, plus what makes this one a resume or fork. */
  #spec(id: StableId, cwd: string, args: ReadonlyArray<string>, run: NewRun, extra: Partial<RunSpec> = {}): RunSpec {
    return {
      stableId: id,
      runId: run.runId,
      storeDir: this.#o.storeDir,
      claudeBin: this.#o.claudeBin,
      args,
      cwd,
      logPath: run.logPath,
      mode: run.mode,
      ...(this.#o.pushTo === undefined ? {} : { pushTo: this.#o.pushTo }),
      ...(this.#o.vault === undefined ? {} : { vault: this.#o.vault }),
      ...(this.#o.claudeHomes[0] === undefined ? {} : { claudeHome: this.#o.claudeHomes[0] }),
      ...extra
    }
  }

  /** Starts a new session. With `--session-id` support, its Claude id is fixed up front. */
  async run(prompt: string, options: LaunchCommon & { readonly cwd?: string } = {}): Promise<LaunchResult> {
    const cwd = resolve(options.cwd ?? process.cwd())
    this.#preflight(cwd)
    const id = newStableId()
    const run = this.#newRun(id, options)
    const capabilities = await detectCapabilities(this.#o.claudeBin, this.#o.storeDir)
    const claudeSessionId = capabilities.sessionId ? newClaudeSessionId() : undefined
    await this.#o.log.append([
      makeEvent("session.opened", id, { cwd, mode: run.mode, promptHash: hashPrompt(prompt), logPath: run.logPath }),
      ...(claudeSessionId === undefined
        ? []
        : [
            makeEvent("claude.observed", id, {
              claudeSessionId,
              source: "launcher",
              evidence: "--session-id chosen at launch",
              confidence: 1
            })
          ])
    ])
    const args = ["-p", ...streamArgs, ...(claudeSessionId === undefined ? [] : ["--session-id", claudeSessionId])]
    return this.#start(this.#spec(id, cwd, args, run, { prompt }), options, claudeSessionId)
  }

  /**
   * The directory to run in: the session's own (claude only finds a session from there), or
   * `inDir` when it is gone, with the chain's transcripts placed where claude will look.
   */
  #workingDir(
    cwd: string | null,
    transcripts: ReadonlyArray<string>,
    inDir: string | undefined,
    recordedCwd: string | null
  ): string {
    if (inDir === undefined) {
      if (cwd === null)
        throw new SessionCwdMissing({
          cwd: "(unknown)",
          message: "the session's directory is unknown: pass --in DIR to run it there"
        })
      if (!existsSync(cwd)) {
        throw new SessionCwdMissing({
          cwd,
          message: `the session's directory ${cwd} no longer exists (a removed worktree?): pass --in DIR, for example the repository root, to resume it there`
        })
      }
    }
    const dir = inDir === undefined ? (cwd as string) : resolve(inDir)
    // claude finds a session only in its cwd's project folder: a session run elsewhere (another
    // directory, or a container whose path is mapped here) is placed in this one's first
    if (dir !== recordedCwd) {
      const home = this.#o.claudeHomes[0]
      if (home !== undefined) {
        const target = join(home, "projects", projectFolderName(dir))
        ensureDirectory(target)
        for (const transcript of transcripts) {
          const dest = join(target, basename(transcript))
          if (!existsSync(dest) && existsSync(transcript)) copyFileSync(transcript, dest)
        }
      }
    }
    return dir
  }

  /**
   * What resume and fork start from: the chain's latest id, and the directory to run in. With a
   * vault, a resume claims the latest transcript first (one writer at a time, on every host:
   * another run writing it is `SessionBusy`), then the chain is put where claude looks: what
   * Claude's cleanup deleted restored, and what another host added caught up. A fork writes a
   * new transcript: it claims the latest only while that is brought up to date.
   */
  async #target(reference: string, inDir: string | undefined, purpose: "resume" | "fork") {
    // moving a session needs its transcript paths, which a store-only answer may not know yet
    if (inDir !== undefined) await this.#o.cache?.ensureFresh()
    const resolution = await this.#o.resolver.resolve(reference)
    const latest = resolution.latestClaudeSessionId
    if (latest === null) return this.#failNoClaudeId(reference)
    // a transcript the vault kept is put back here: the session is no longer elsewhere only
    const kept = await this.#keptInVault(latest)
    if (!kept) failIfElsewhere(reference, resolution, latest, "Resume it")
    const claim = await this.#claim(reference, resolution.stableId, latest, purpose)
    try {
      const cwd = resolution.cwd === null ? null : (this.#o.hostPath?.(resolution.cwd) ?? resolution.cwd)
      // --in is checked before its project folder is filled; the session's own cwd after mapping
      if (inDir !== undefined) this.#preflight(resolve(inDir))
      const dir = this.#workingDir(cwd, resolution.transcripts, inDir, resolution.cwd)
      if (inDir === undefined) this.#preflight(dir)
      if (kept) await this.#restoreKept(resolution.claudeSessionIds, dir, claim !== undefined)
      if (purpose === "fork") await this.#release(claim)
      return { resolution, latest, cwd: dir, ...(purpose === "resume" && claim !== undefined ? { claim } : {}) }
    } catch (error) {
      await this.#release(claim)
      throw error
    }
  }

  /** Claims the transcript a run continues, or says who is writing it. */
  async #claim(
    reference: string,
    stableId: StableId | null,
    latest: ClaudeSessionId,
    purpose: "resume" | "fork"
  ): Promise<RunClaim | undefined> {
    return this.#withVault((vault) =>
      claimRun(vault, {
        reference,
        stableId,
        latest,
        purpose,
        hint: `Wait for it to end, or fork it: cc-session fork ${reference}`
      })
    )
  }

  async #release(claim: RunClaim | undefined): Promise<void> {
    await this.#withVault((vault) => releaseClaim(vault, claim)).catch(() => undefined)
  }

  /** Runs `f` with the vault (opened for it if the caller gave none open). */
  async #withVault<A>(f: (vault: VaultShape) => Promise<A>): Promise<A | undefined> {
    const at = this.#o.vault
    if (at === undefined) return undefined
    if (this.#o.openVault !== undefined) return f(await this.#o.openVault())
    const opened = await openVaultAt(at)
    try {
      return await f(opened.vault)
    } finally {
      await opened.close()
    }
  }

  /** Whether the vault holds the transcript of `latest` (and so can put it back if it is gone). */
  async #keptInVault(latest: ClaudeSessionId): Promise<boolean> {
    const key = transcriptKeyOf(latest)
    if (key === undefined) return false
    const copy = await this.#withVault((vault) => runAsPromise(vault.describe(key))).catch(() => undefined)
    return copy !== undefined && copy.damaged === undefined
  }

  /** The chain's transcripts Claude deleted, put back where claude looks for a run in `dir`. */
  async #restoreKept(chain: ReadonlyArray<ClaudeSessionId>, dir: string, catchUp: boolean): Promise<void> {
    const home = this.#o.claudeHomes[0]
    const cache = this.#o.cache
    if (cache === undefined || home === undefined) return
    await cache.ensureFresh()
    await this.#withVault((vault) => restoreMissing(vault, cache, home, chain, dir, { catchUp }))
  }

  /** Resumes the latest Claude id of a session's chain, from the session's own cwd. */
  async resume(
    reference: string,
    prompt: string,
    options: LaunchCommon & { readonly inDir?: string } = {}
  ): Promise<LaunchResult> {
    const { resolution, latest, cwd, claim } = await this.#target(reference, options.inDir, "resume")
    try {
      let id = resolution.stableId
      if (id === null) {
        id = newStableId()
        await this.#adopt(id, cwd, resolution.claudeSessionIds)
      }
      const args = ["-p", "--resume", latest, ...streamArgs]
      const run = this.#newRun(id, options)
      // the run renews the claim while it writes, and gives it up when it ends
      return await this.#start(
        this.#spec(id, cwd, args, run, {
          prompt,
          resumedFrom: latest,
          linkKind: "resume",
          ...(claim === undefined ? {} : { claim })
        }),
        options
      )
    } catch (error) {
      await this.#release(claim)
      throw error
    }
  }

  /** Forks a session: a new stable id whose Claude session branches from the latest id. */
  async fork(
    reference: string,
    prompt: string,
    options: LaunchCommon & { readonly inDir?: string } = {}
  ): Promise<LaunchResult> {
    const { resolution, latest, cwd } = await this.#target(reference, options.inDir, "fork")
    const capabilities = await detectCapabilities(this.#o.claudeBin, this.#o.storeDir)
    const id = newStableId()
    const run = this.#newRun(id, options)
    await this.#o.log.append([
      makeEvent("session.opened", id, {
        cwd,
        mode: run.mode,
        promptHash: hashPrompt(prompt),
        logPath: run.logPath,
        ...(resolution.stableId === null ? {} : { forkOf: resolution.stableId })
      })
    ])
    // 1.0.x has no --fork-session, but every resume there is already a new id
    const args = ["-p", "--resume", latest, ...(capabilities.forkSession ? ["--fork-session"] : []), ...streamArgs]
    const parent = resolution.stableId === null ? {} : { parentStableId: resolution.stableId }
    return this.#start(
      this.#spec(id, cwd, args, run, { prompt, resumedFrom: latest, linkKind: "fork", ...parent }),
      options
    )
  }

  /** Continues the most recent session of a directory (resuming it by id, from its own cwd). */
  async continue(prompt: string, options: LaunchCommon & { readonly cwd?: string } = {}): Promise<LaunchResult> {
    const here = resolve(options.cwd ?? process.cwd())
    const problem = directoryProblem(here)
    if (problem !== undefined) throw new LaunchRefused({ reason: "cwd", message: `${problem}: nothing was started` })
    const latest = await this.#o.resolver.latestInCwd(here)
    const reference = latest.stableId ?? latest.latestClaudeSessionId
    if (reference === null) return this.#failNoClaudeId(options.cwd ?? process.cwd())
    return this.resume(reference, prompt, options)
  }

  async #adopt(id: StableId, cwd: string, chain: ReadonlyArray<ClaudeSessionId>): Promise<void> {
    await this.#o.log.append([
      makeEvent("session.opened", id, { cwd, mode: "interactive" }),
      ...chain.map((claudeSessionId) =>
        makeEvent("claude.observed", id, {
          claudeSessionId,
          source: "adopted",
          evidence: "resumed through cc-session",
          confidence: 1
        })
      ),
      ...consecutivePairs(chain).map(([from, to]) =>
        makeEvent("chain.linked", id, {
          from,
          to,
          kind: "resume",
          source: "adopted",
          evidence: "chain order at adoption"
        })
      )
    ])
  }

  #failNoClaudeId(reference: string): never {
    throw new RunFailed({
      stableId: reference,
      exitCode: null,
      errors: [],
      message: `${reference} has no Claude session id yet: nothing to resume`
    })
  }
}
