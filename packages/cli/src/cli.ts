import { homedir } from "node:os"
import { join, resolve } from "node:path"
import { defaultStoreDir, fold, type SessionView, type StableId, sessionMap } from "@cc/events"
import {
  AmbiguousSession,
  cwdRelation,
  encodeToken,
  InvalidReference,
  InvalidToken,
  type OpenedResolver,
  openResolver,
  type Resolution,
  SessionNotFound
} from "@cc/resolver"
import { channelCoderPromiseSource } from "@cc/sources"
import { parseArgs, UsageError, usage } from "./args.js"
import { channelCoder } from "./commands/channelcoder.js"
import { recover } from "./commands/recover.js"
import { CliFailure, type Context, exitCodes, human } from "./context.js"
import { Launcher, type LaunchResult, RunFailed, SessionCwdMissing } from "./launcher.js"
import { loadPlugins } from "./plugins.js"

const toFailure = (error: unknown): CliFailure => {
  if (error instanceof CliFailure) return error
  if (error instanceof UsageError || error instanceof InvalidReference || error instanceof InvalidToken)
    return new CliFailure("usage", error.message)
  if (error instanceof SessionNotFound) return new CliFailure("not_found", error.message, { searched: error.searched })
  if (error instanceof AmbiguousSession)
    return new CliFailure("ambiguous", error.message, { candidates: error.candidates })
  if (error instanceof SessionCwdMissing) return new CliFailure("not_found", error.message)
  if (error instanceof RunFailed) return new CliFailure("run_failed", error.message)
  const tag = typeof error === "object" && error !== null && "_tag" in error ? String(error._tag) : ""
  const message = error instanceof Error ? error.message : String(error)
  if (tag.startsWith("Store") || tag === "SourceError") return new CliFailure("io", message)
  const code = typeof error === "object" && error !== null && "code" in error ? String(error.code) : ""
  if (code.startsWith("E")) return new CliFailure("io", message)
  return new CliFailure("io", `unexpected error: ${message}`)
}

const showObject = (view: SessionView, extraTranscripts: ReadonlyArray<string> = []) => ({
  id: view.id,
  cwd: view.cwd ?? null,
  status: view.status,
  claudeSessionIds: view.claudeSessionIds,
  latestClaudeSessionId: view.latestClaudeSessionId ?? null,
  forks: view.forks.map(({ from, to }) => ({ from, to })),
  transcripts: [...new Set([...view.transcripts, ...extraTranscripts])].sort(),
  createdAt: view.createdAt
})

const showFromResolution = (r: Resolution) => ({
  id: r.stableId,
  cwd: r.cwd,
  status: r.status,
  claudeSessionIds: r.claudeSessionIds,
  latestClaudeSessionId: r.latestClaudeSessionId,
  forks: r.forks,
  transcripts: r.transcripts,
  createdAt: null
})

const readMap = async (opened: OpenedResolver) => {
  const { events } = await opened.log.read()
  return { events: events.map((s) => s.event), map: sessionMap(fold(events.map((s) => s.event))) }
}

const launchOutput = (ctx: Context, result: LaunchResult): void => {
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
    if (result.outcome?.resultText !== undefined) ctx.err(result.outcome.resultText)
  }
  if (result.outcome?.isError === true) {
    throw new CliFailure(
      "run_failed",
      `the run failed: ${result.outcome.errors.join("; ").slice(0, 500) || `exit code ${String(result.outcome.exitCode)}`}`,
      { id: result.id }
    )
  }
}

const run = async (ctx: Context): Promise<void> => {
  const { parsed } = ctx
  if (parsed.command === "help") {
    ctx.out(usage)
    return
  }
  const opened = await openResolver({
    storeDir: ctx.storeDir,
    claudeHomes: ctx.claudeHomes,
    // ChannelCoder's sessions are one source among the plugins, asked like any other
    sources: [channelCoderPromiseSource({ home: ctx.channelCoderHome }), ...ctx.plugins],
    onSourceProblem: (p) => ctx.warn(`source ${p.source} failed and was skipped: ${p.message}`, { source: p.source })
  })
  try {
    await dispatch(ctx, opened)
  } finally {
    // once per file and reason, however often a source was asked
    const said = new Set<string>()
    for (const d of opened.resolver.sourceDiagnostics()) {
      const key = `${d.source}\0${d.path ?? ""}\0${d.reason}`
      if (d.severity === "info" || said.has(key)) continue
      said.add(key)
      ctx.warn(`${d.source}: ${d.reason}${d.path === undefined ? "" : ` (${d.path})`}`, {
        source: d.source,
        path: d.path ?? null
      })
    }
  }
}

const dispatch = async (ctx: Context, opened: OpenedResolver): Promise<void> => {
  const { parsed } = ctx
  const value = (name: string) => parsed.values.get(name)?.at(-1)
  const launcher = new Launcher({
    storeDir: ctx.storeDir,
    log: opened.log,
    resolver: opened.resolver,
    cache: opened.cache,
    claudeBin: ctx.claudeBin,
    claudeHomes: ctx.claudeHomes
  })
  const prompt = parsed.rest.join(" ")
  const mode = parsed.flags.has("--detached") ? ("detached" as const) : ("foreground" as const)
  /** `{ [key]: value }` for an option given on the command line, `{}` for one that was not. */
  const option = <K extends string>(key: K, flag: string): { [P in K]?: string } => {
    const given = value(flag)
    return given === undefined ? {} : ({ [key]: given } as { [P in K]: string })
  }
  const launch = { mode, ...option("logPath", "--log") }
  const ref = parsed.positionals[0] as string
  switch (parsed.command) {
    case "run":
      return launchOutput(ctx, await launcher.run(prompt, { ...launch, ...option("cwd", "--cwd") }))
    case "resume":
      return launchOutput(ctx, await launcher.resume(ref, prompt, { ...launch, ...option("inDir", "--in") }))
    case "fork":
      return launchOutput(ctx, await launcher.fork(ref, prompt, { ...launch, ...option("inDir", "--in") }))
    case "continue":
      return launchOutput(ctx, await launcher.continue(prompt, { ...launch, ...option("cwd", "--cwd") }))
    case "show": {
      await opened.cache.ensureFresh()
      const r = await opened.resolver.resolve(ref).catch((error: unknown) => {
        if (error instanceof SessionNotFound) return error
        throw error
      })
      // read after resolving: resolution may have appended what it found
      const { map } = await readMap(opened)
      if (r instanceof SessionNotFound) {
        // a session we launched whose Claude id is not known yet is shown as it is, not "not found"
        const pending = map.sessions.get(ref.trim().toLowerCase() as StableId)
        if (pending === undefined) throw r
        const o = showObject(pending)
        ctx.out(ctx.json ? JSON.stringify(o) : human(o))
        return
      }
      const view = r.stableId === null ? undefined : map.sessions.get(r.stableId)
      const o = view === undefined ? showFromResolution(r) : showObject(view, r.transcripts)
      ctx.out(ctx.json ? JSON.stringify(o) : human(o))
      return
    }
    case "resolve": {
      try {
        const r = await opened.resolver.resolve(ref)
        const o = {
          id: r.stableId,
          claudeSessionIds: r.claudeSessionIds,
          latestClaudeSessionId: r.latestClaudeSessionId,
          resolvedBy: r.resolvedBy,
          confidence: r.confidence
        }
        ctx.out(ctx.json ? JSON.stringify(o) : human(o))
      } catch (error) {
        if (!(error instanceof AmbiguousSession)) throw error
        const o = {
          id: null,
          claudeSessionIds: [],
          latestClaudeSessionId: null,
          resolvedBy: null,
          confidence: 0,
          candidates: error.candidates
        }
        ctx.out(ctx.json ? JSON.stringify(o) : human(o))
        throw new CliFailure("ambiguous", error.message, { candidates: error.candidates, printed: true })
      }
      return
    }
    case "ls": {
      const { map } = await readMap(opened)
      const cwd = value("--cwd")
      const views = [...map.sessions.values()]
        .filter((v) => cwd === undefined || (v.cwd !== undefined && cwdRelation(resolve(cwd), v.cwd) !== "none"))
        .sort((a, b) => (a.createdAt < b.createdAt ? -1 : 1))
      if (ctx.json) ctx.out(JSON.stringify(views.map((v) => showObject(v))))
      else
        for (const v of views)
          ctx.out(`${v.id}  ${v.status.padEnd(8)}  ${v.latestClaudeSessionId ?? "-".padEnd(36)}  ${v.cwd ?? "-"}`)
      return
    }
    case "token": {
      const r = await opened.resolver.resolve(ref)
      const { map } = await readMap(opened)
      const view = r.stableId === null ? undefined : map.sessions.get(r.stableId)
      const first = r.claudeSessionIds[0]
      const t = first === undefined ? undefined : opened.cache.byClaudeId(first)
      const startedAt = view?.createdAt ?? t?.firstTimestamp
      const promptHash = view?.promptHash ?? t?.promptHash
      const cwd = view?.cwd ?? t?.cwd ?? r.cwd
      if (startedAt === undefined || promptHash === undefined || cwd === null || cwd === undefined) {
        throw new CliFailure(
          "not_found",
          `no start time, cwd and first-prompt hash known for ${ref}: cannot make a token`
        )
      }
      const token = encodeToken({
        startedAt: new Date(startedAt),
        cwd,
        promptHash,
        ...(r.stableId === null ? {} : { stableId: r.stableId })
      })
      ctx.out(ctx.json ? JSON.stringify({ token }) : token)
      return
    }
    case "index": {
      const tty = process.stderr.isTTY === true && !ctx.json
      const result = await opened.cache.refresh({
        onProgress: (done, total) => {
          if (!tty) return
          const width = 30
          const filled = total === 0 ? width : Math.round((done / total) * width)
          process.stderr.write(
            `\rindexing [${"#".repeat(filled)}${" ".repeat(width - filled)}] ${done}/${total} folders`
          )
        }
      })
      if (tty) process.stderr.write("\n")
      ctx.out(ctx.json ? JSON.stringify(result.stats) : human({ ...result.stats }))
      return
    }
    case "events": {
      const { events } = await readMap(opened)
      for (const e of events) ctx.out(JSON.stringify(e))
      return
    }
    case "watch": {
      const r = await opened.resolver.resolve(ref)
      if (r.stableId === null)
        throw new CliFailure("not_found", `${ref} has no stable id in this store: nothing to watch`)
      const id = r.stableId
      const abort = new AbortController()
      const open = new Set<string>()
      let sawRun = false
      for await (const item of opened.log.tail({ pollMs: 100, signal: abort.signal })) {
        if (item._tag !== "Event" || item.stored.event.session !== id) continue
        const e = item.stored.event
        ctx.out(JSON.stringify(e))
        if (e.type === "run.started") {
          sawRun = true
          open.add((e.payload as { runId: string }).runId)
        } else if (e.type === "run.finished") {
          open.delete((e.payload as { runId: string }).runId)
        }
        if (sawRun && open.size === 0) break
      }
      abort.abort()
      return
    }
    case "recover":
      return recover(ctx, opened)
    case "channelcoder":
      return channelCoder(ctx, opened)
  }
}

const main = async (argv: ReadonlyArray<string>): Promise<number> => {
  const json = argv.includes("--json")
  const out = (text: string) => process.stdout.write(`${text}\n`)
  const err = (text: string) => process.stderr.write(`${text}\n`)
  try {
    const parsed = parseArgs(argv)
    const value = (name: string) => parsed.values.get(name)
    const env = process.env
    const storeDir = resolve(value("--store")?.at(-1) ?? defaultStoreDir(env))
    const claudeHomes = (
      value("--claude-home") ??
      (env.CLAUDE_CONFIG_DIR ? env.CLAUDE_CONFIG_DIR.split(":") : [join(homedir(), ".claude")])
    ).map((p) => resolve(p))
    const warn = (message: string, details: Record<string, unknown> = {}) =>
      err(json ? JSON.stringify({ warning: { message, ...details } }) : `cc-session: warning: ${message}`)
    const plugins =
      parsed.command === "help"
        ? { sources: [], problems: [] }
        : await loadPlugins({ storeDir, claudeHomes }, value("--source") ?? [])
    for (const problem of plugins.problems) warn(problem)
    const ctx: Context = {
      parsed,
      json,
      storeDir,
      claudeHomes,
      claudeBin: value("--claude-bin")?.at(-1) ?? env.CC_CLAUDE_BIN ?? "claude",
      channelCoderHome: resolve(value("--channelcoder-home")?.at(-1) ?? (env.CHANNELCODER_HOME || storeDir)),
      plugins: plugins.sources,
      out,
      err,
      warn
    }
    await run(ctx)
    return 0
  } catch (error) {
    const failure = toFailure(error)
    if (failure.extra.printed !== true) {
      if (json) {
        const { printed: _printed, ...extra } = failure.extra
        err(JSON.stringify({ error: { code: failure.code, message: failure.message, ...extra } }))
      } else {
        err(`cc-session: ${failure.message}`)
      }
    }
    return exitCodes[failure.code]
  }
}

main(process.argv.slice(2)).then((code) => {
  process.exitCode = code
})
