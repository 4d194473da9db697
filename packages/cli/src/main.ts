/** Everything after the command line is parsed: the context, then the command's own module. */
import { homedir } from "node:os"
import { join, resolve } from "node:path"
import { defaultStoreDir, type EventLog, openEventLog, terminalSafe } from "@cc/events"
import { type OpenedResolver, openResolver, type PathMapping, warnSkippedLines, warnUnreadable } from "@cc/resolver"
import { channelCoderPromiseSource } from "@cc/sources"
import { type OpenedVault, vaultLocationOf } from "@cc/vault"
import { type Parsed, UsageError } from "./args.js"
import { type Context, exitCodes, sharedLogUrl } from "./context.js"
import { toFailure } from "./exit-codes.js"
import { loadPlugins } from "./plugins.js"
import { commandEntry } from "./registry.js"
import { openVaultAt } from "./vault-open.js"

/** `CONTAINER=HOST` pairs, from `--map` (repeatable) and `CC_SESSIONS_MAP` (comma-separated). */
export const parseMappings = (given: ReadonlyArray<string>, env: string | undefined): Array<PathMapping> =>
  [...(env === undefined || env === "" ? [] : env.split(",")), ...given].map((pair) => {
    const at = pair.indexOf("=")
    const from = pair.slice(0, at)
    const to = pair.slice(at + 1)
    if (at <= 0 || !from.startsWith("/") || to === "") {
      throw new UsageError({
        message: `a path mapping is CONTAINER_PATH=HOST_PATH, not ${JSON.stringify(pair.slice(0, 80))}`
      })
    }
    return { from, to: resolve(to) }
  })

export const main = async (parsed: Parsed, json: boolean): Promise<number> => {
  const out = (text: string) => process.stdout.write(`${text}\n`)
  const outBytes = (bytes: Uint8Array) => {
    process.stdout.write(bytes)
    process.stdout.write("\n")
  }
  const err = (text: string) => process.stderr.write(`${text}\n`)
  const warnings: Array<Record<string, unknown>> = []
  const said = new Set<string>()
  // each warning once; with --json all of them as one {"warnings":[…]} line at the end
  const warn = (message: string, details: Record<string, unknown> = {}) => {
    if (said.has(message)) return
    said.add(message)
    if (json) warnings.push({ message, ...details })
    else err(`cc-session: warning: ${terminalSafe(message)}`)
  }
  let opened: OpenedResolver | undefined
  let closeSharedLog: (() => Promise<void>) | undefined
  let closeVault: (() => Promise<void>) | undefined
  let vaultOpening: Promise<OpenedVault> | undefined
  try {
    const value = (name: string) => parsed.values.get(name)
    const env = process.env
    const storeDir = resolve(value("--store")?.at(-1) ?? defaultStoreDir(env))
    const claudeHomes = (
      value("--claude-home") ??
      (env.CLAUDE_CONFIG_DIR ? env.CLAUDE_CONFIG_DIR.split(":") : [join(homedir(), ".claude")])
    ).map((p) => resolve(p))
    const mappings = parseMappings(value("--map") ?? [], env.CC_SESSIONS_MAP)
    const plugins = await loadPlugins({ storeDir, claudeHomes }, value("--source") ?? [])
    for (const problem of plugins.problems) warn(problem)
    const channelCoderHome = resolve(value("--channelcoder-home")?.at(-1) ?? (env.CHANNELCODER_HOME || storeDir))
    const eventsUrl = sharedLogUrl(value("--events")?.at(-1) ?? (env.CC_SESSIONS_EVENTS || undefined))
    let logOpening: Promise<EventLog> | undefined
    closeSharedLog = async () => {
      const log = await logOpening?.catch(() => undefined)
      if (log !== undefined && "close" in log && typeof log.close === "function") await log.close()
    }
    const eventLog = (): Promise<EventLog> => {
      logOpening ??=
        eventsUrl === undefined
          ? openEventLog({ dir: storeDir })
          : import("@cc/store-postgres").then(({ openPostgresEventLog }) =>
              openPostgresEventLog({ url: eventsUrl, openAttempts: 1 })
            )
      return logOpening
    }
    let opening: Promise<OpenedResolver> | undefined
    const vaultLocation = vaultLocationOf(storeDir, value("--vault")?.at(-1) ?? env.CC_SESSIONS_VAULT_AT, eventsUrl)
    closeVault = async () => {
      await (await vaultOpening?.catch(() => undefined))?.close()
    }
    const ctx: Context = {
      parsed,
      json,
      storeDir,
      sharedLog: eventsUrl !== undefined,
      eventsUrl,
      claudeHomes,
      claudeBin: value("--claude-bin")?.at(-1) ?? env.CC_CLAUDE_BIN ?? "claude",
      channelCoderHome,
      plugins: plugins.sources,
      mappings,
      out,
      outBytes,
      err,
      warn,
      eventLog,
      vaultLocation,
      vault: async () => {
        vaultOpening ??= openVaultAt(vaultLocation)
        return (await vaultOpening).vault
      },
      open: () => {
        const shared = eventsUrl === undefined ? Promise.resolve(undefined) : eventLog()
        opening ??= shared
          .then((log) =>
            openResolver({
              storeDir,
              ...(log === undefined ? {} : { log }),
              claudeHomes,
              ...(mappings.length === 0 ? {} : { mappings }),
              // ChannelCoder's sessions are one source among the plugins, asked like any other
              sources: [channelCoderPromiseSource({ home: channelCoderHome }), ...plugins.sources],
              onSourceProblem: (p) =>
                warn(`source ${p.source} failed and was skipped: ${p.message}`, { source: p.source })
            })
          )
          .then((o) => {
            opened = o
            return o
          })
        return opening
      }
    }
    const command = commandEntry(parsed.command)
    if (command === undefined) throw new UsageError({ message: `unknown command ${JSON.stringify(parsed.command)}` })
    await command.run(ctx)
    return 0
  } catch (error) {
    const failure = toFailure(error)
    if (failure.extra.printed !== true) {
      if (json) {
        const { printed: _printed, ...extra } = failure.extra
        err(JSON.stringify({ error: { code: failure.code, message: failure.message, ...extra } }))
      } else {
        err(`cc-session: ${terminalSafe(failure.message)}`)
      }
    }
    return exitCodes[failure.code]
  } finally {
    if (opened !== undefined) {
      warnUnreadable(warn, opened.cache.diagnostics())
      for (const d of opened.resolver.sourceDiagnostics()) {
        if (d.severity !== "info")
          warn(`${d.source}: ${d.reason}${d.path === undefined ? "" : ` (${d.path})`}`, {
            source: d.source,
            path: d.path ?? null
          })
      }
      warnSkippedLines(warn, opened.log.location, opened.resolver.logDiagnostics())
    }
    if (json && warnings.length > 0) err(JSON.stringify({ warnings }))
    // a shared log holds connections open: the process ends only once they are closed
    await closeSharedLog?.()
    await closeVault?.()
  }
}
