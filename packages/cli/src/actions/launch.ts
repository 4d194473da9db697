/** `run`, `resume`, `fork`, `continue`: start a run (foreground or detached) and print its stable id. */
import { terminalSafeLines } from "@cc/events"
import { applyMappings } from "@cc/resolver"
import { vaultPolicyOf } from "@cc/vault"
import { CliFailure, type Context, firstPositional, optionValue } from "../context.js"
import { Launcher, type LaunchResult } from "../launcher.js"
import { openPushingLog, type PushingLog } from "../shared-log.js"

/** The store's vault, unless its policy is none: runs keep their transcripts in it. */
const vaultOption = (ctx: Context) => {
  const { policy, problem } = vaultPolicyOf(ctx.storeDir)
  if (problem !== undefined) ctx.warn(problem)
  return policy === "none" ? {} : { vault: ctx.vaultLocation, openVault: ctx.vault }
}

const output = (ctx: Context, result: LaunchResult): void => {
  if (ctx.json) {
    ctx.out(
      JSON.stringify({
        id: result.id,
        ...(result.claudeSessionId === undefined ? {} : { claudeSessionId: result.claudeSessionId }),
        ...(result.pid === undefined ? {} : { pid: result.pid }),
        log: result.log
      })
    )
  } else {
    ctx.out(result.id)
    if (result.outcome?.resultText !== undefined) ctx.err(terminalSafeLines(result.outcome.resultText))
  }
  if (result.outcome?.isError === true) {
    throw new CliFailure(
      "run_failed",
      `the run failed: ${result.outcome.errors.join("; ").slice(0, 500) || `exit code ${String(result.outcome.exitCode)}`}`,
      { id: result.id }
    )
  }
}

type Launch = (
  launcher: Launcher,
  prompt: string,
  common: { readonly mode: "detached" | "foreground"; readonly logPath?: string },
  option: <K extends string>(key: K, flag: string) => { [P in K]?: string }
) => Promise<LaunchResult>

/** `run`: a new session in `--cwd` (default here). */
export const runCommand = (ctx: Context): Promise<void> =>
  launching(ctx, (launcher, prompt, common, option) => launcher.run(prompt, { ...common, ...option("cwd", "--cwd") }))

/** `resume <ref>`: the session's latest Claude id, from its own cwd (or `--in`). */
export const resumeCommand = (ctx: Context): Promise<void> =>
  launching(ctx, (launcher, prompt, common, option) =>
    launcher.resume(firstPositional(ctx.parsed), prompt, { ...common, ...option("inDir", "--in") })
  )

/** `fork <ref>`: a new stable id branched from the session. */
export const forkCommand = (ctx: Context): Promise<void> =>
  launching(ctx, (launcher, prompt, common, option) =>
    launcher.fork(firstPositional(ctx.parsed), prompt, { ...common, ...option("inDir", "--in") })
  )

/** `continue`: the most recent session of `--cwd` (default here). */
export const continueCommand = (ctx: Context): Promise<void> =>
  launching(ctx, (launcher, prompt, common, option) =>
    launcher.continue(prompt, { ...common, ...option("cwd", "--cwd") })
  )

const launching = async (ctx: Context, launch: Launch): Promise<void> => {
  // with --events the run is recorded here first and pushed at once (see shared-log.ts)
  const pushing =
    ctx.eventsUrl === undefined
      ? undefined
      : await openPushingLog({
          storeDir: ctx.storeDir,
          url: ctx.eventsUrl,
          onPushError: (error) =>
            ctx.warn(
              `the shared log did not take this machine's events; they are kept here, and cc-session sync URL sends them: ${error instanceof Error ? error.message : String(error)}`
            )
        })
  try {
    // this machine's earlier events first: a session it ran is then found in the shared log
    await pushing?.push()
    await start(ctx, pushing, launch)
  } finally {
    await pushing?.close()
  }
}

const start = async (ctx: Context, pushing: PushingLog | undefined, launch: Launch): Promise<void> => {
  const { parsed } = ctx
  const opened = await ctx.open()
  const launcher = new Launcher({
    storeDir: ctx.storeDir,
    log: pushing?.log ?? opened.log,
    ...(ctx.eventsUrl === undefined ? {} : { pushTo: ctx.eventsUrl }),
    resolver: opened.resolver,
    cache: opened.cache,
    claudeBin: ctx.claudeBin,
    claudeHomes: ctx.claudeHomes,
    ...vaultOption(ctx),
    // a session run in a container resumes here, in the host directory its cwd is mounted at
    ...(ctx.mappings.length === 0 ? {} : { hostPath: (cwd: string) => applyMappings(cwd, ctx.mappings) })
  })
  const prompt = parsed.rest.join(" ")
  const mode = parsed.flags.has("--detached") ? ("detached" as const) : ("foreground" as const)
  /** `{ [key]: value }` for an option given on the command line, `{}` for one that was not. */
  const option = <K extends string>(key: K, flag: string): { [P in K]?: string } => {
    const given = optionValue(ctx, flag)
    return given === undefined ? {} : ({ [key]: given } as { [P in K]: string })
  }
  const common = { mode, ...option("logPath", "--log") }
  output(ctx, await launch(launcher, prompt, common, option))
}
