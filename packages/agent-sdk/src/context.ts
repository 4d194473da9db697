/**
 * A store, its Claude homes and its vault, opened once per process for each place they are:
 * a tool calls `listSessions` and `query` many times, and each call after the first only
 * brings the transcript index up to date (one stat a transcript) instead of loading it again.
 */
import { resolve } from "node:path"
import { defaultStoreDir, type EventLog, terminalSafe } from "@cc/events"
import { type ListingSource, type OpenedResolver, openResolver, type Warn } from "@cc/resolver"
import { defaultClaudeHomes } from "@cc/sources"
import {
  type OpenedVault,
  openVaultAt,
  type VaultLocation,
  type VaultPolicy,
  vaultLocationOf,
  vaultPolicyOf
} from "@cc/vault"
import type { CcSessionOptions } from "./options.js"

export interface SessionsContext extends ListingSource {
  readonly eventsUrl: string | undefined
  readonly policy: VaultPolicy
  readonly vaultLocation: VaultLocation
  /** The vault, opened on first use; undefined when the policy keeps nothing. */
  readonly vault: () => Promise<OpenedVault | undefined>
  readonly log: () => Promise<EventLog>
  /** Closes what was opened (a PostgreSQL pool keeps a process alive). */
  readonly close: () => Promise<void>
}

/** Loaded only for a shared log or vault: `@cc/store-postgres` is an optional peer. */
const postgres = () =>
  import("@cc/store-postgres").catch(() => {
    throw new Error("a postgres:// events log or vault needs @cc/store-postgres installed beside @cc/agent-sdk")
  })

/** Node's own warning channel, every control character escaped: text from disk never reaches a terminal raw. */
const defaultWarn: Warn = (message) => process.emitWarning(terminalSafe(message), "CcSessionsWarning")

const contexts = new Map<string, SessionsContext>()

/** The context for these options (and the env the run gets, whose CLAUDE_CONFIG_DIR is where its transcript goes). */
export const sessionsContext = (
  options: CcSessionOptions,
  env: NodeJS.ProcessEnv = process.env,
  warn: Warn = defaultWarn
): SessionsContext => {
  const storeDir = resolve(options.storeDir ?? defaultStoreDir(env))
  const claudeHomes = (options.claudeHomes ?? defaultClaudeHomes(env)).map((home) => resolve(home))
  const eventsUrl = options.events
  const vaultLocation = vaultLocationOf(storeDir, options.vault ?? env.CC_SESSIONS_VAULT_AT, eventsUrl)
  const key = JSON.stringify([storeDir, claudeHomes, eventsUrl ?? null, vaultLocation])
  const known = contexts.get(key)
  if (known !== undefined) return known
  const { policy, problem } = vaultPolicyOf(storeDir, env)
  if (problem !== undefined) warn(problem)
  const closers: Array<() => Promise<void>> = []
  let opening: Promise<OpenedResolver> | undefined
  let vaultOpening: Promise<OpenedVault | undefined> | undefined
  const open = (): Promise<OpenedResolver> => {
    opening ??= (async () => {
      const log =
        eventsUrl === undefined
          ? undefined
          : await (await postgres()).openPostgresEventLog({ url: eventsUrl, openAttempts: 3 })
      if (log !== undefined) closers.push(() => log.close())
      return openResolver({ storeDir, claudeHomes, ...(log === undefined ? {} : { log }) })
    })()
    // a failed open is tried again by the next call, not remembered
    opening.catch(() => {
      opening = undefined
    })
    return opening
  }
  const context: SessionsContext = {
    storeDir,
    claudeHomes,
    sharedLog: eventsUrl !== undefined,
    eventsUrl,
    policy,
    vaultLocation,
    warn,
    open,
    log: async () => (await open()).log,
    vault: () => {
      if (policy === "none") return Promise.resolve(undefined)
      vaultOpening ??= openVaultAt(vaultLocation, async (url) => (await postgres()).openVaultAtUrl(url)).then(
        (opened) => {
          closers.push(opened.close)
          return opened
        }
      )
      vaultOpening.catch(() => {
        vaultOpening = undefined
      })
      return vaultOpening
    },
    close: async () => {
      await Promise.allSettled(closers.splice(0).map((close) => close()))
    }
  }
  contexts.set(key, context)
  return context
}

/**
 * Closes every store, log and vault this process opened (a PostgreSQL pool keeps a process
 * alive): for a tool's shutdown, and for tests.
 */
export const closeSessions = async (): Promise<void> => {
  const all = [...contexts.values()]
  contexts.clear()
  await Promise.allSettled(all.map((c) => c.close()))
}
