/** What every command gets: the parsed command line, where things are, and how to speak. */

import type { EventLog } from "@cc/events"
import { terminalSafe } from "@cc/events"
import type { ListingSource, OpenedResolver, PathMapping } from "@cc/resolver"
import type { AnySource } from "@cc/sources"
import { isPostgresUrl, type VaultLocation, type VaultShape } from "@cc/vault"
import type { Parsed } from "./parsed.js"

export type Code = "not_found" | "usage" | "ambiguous" | "io" | "run_failed" | "damaged" | "conflict"
export const exitCodes: Record<Code, number> = {
  not_found: 1,
  usage: 2,
  ambiguous: 3,
  io: 4,
  run_failed: 1,
  damaged: 5,
  conflict: 6
}

export class CliFailure extends Error {
  constructor(
    readonly code: Code,
    message: string,
    readonly extra: Record<string, unknown> = {}
  ) {
    super(message)
  }
}

export interface Context extends ListingSource {
  readonly parsed: Parsed
  readonly json: boolean
  readonly storeDir: string
  /** The event log is a shared one (`--events URL`), not the store's own file. */
  readonly sharedLog: boolean
  /** The shared log's URL (`--events`), which launches push their events to. */
  readonly eventsUrl: string | undefined
  readonly claudeHomes: ReadonlyArray<string>
  readonly claudeBin: string
  /** Where ChannelCoder keeps `sessions/` (default: the store directory, its own home). */
  readonly channelCoderHome: string
  /** Plugin sources from the store's config file and `--source`. */
  readonly plugins: ReadonlyArray<AnySource>
  readonly out: (text: string) => void
  /** Prints bytes as they are (a kept listing), then a newline. */
  readonly outBytes: (bytes: Uint8Array) => void
  readonly err: (text: string) => void
  /** A warning on stderr, once: a line of text, or with --json an entry of `{"warnings":[…]}`. */
  readonly warn: (message: string, details?: Record<string, unknown>) => void
  /** Container paths and where they are on this host (`--map`). */
  readonly mappings: ReadonlyArray<PathMapping>
  /** The store, the transcript index and the resolver, opened on first use. */
  readonly open: () => Promise<OpenedResolver>
  /** Where the transcript vault is (`--vault`, the `--events` database, or `<store>/vault`). */
  readonly vaultLocation: VaultLocation
  /** The transcript vault, opened once (and closed when the command ends). */
  readonly vault: () => Promise<VaultShape>
  /** The event log alone (the store's file, or the shared one of `--events`), opened on first use. */
  readonly eventLog: () => Promise<EventLog>
}

/** The value of an option, the last one given. */
export const optionValue = (ctx: Context, name: string): string | undefined => ctx.parsed.values.get(name)?.at(-1)

const humanValue = (v: unknown): string => {
  if (Array.isArray(v))
    return v.length === 0 ? "-" : v.map((x) => (typeof x === "object" ? JSON.stringify(x) : String(x))).join(", ")
  if (v === null || v === undefined) return "-"
  return typeof v === "object" ? JSON.stringify(v) : String(v)
}

/** `key: value` lines for a person: one line each, whatever the value holds. */
export const human = (o: Record<string, unknown>): string =>
  Object.entries(o)
    .map(([k, v]) => `${terminalSafe(k)}: ${terminalSafe(humanValue(v))}`)
    .join("\n")

/** The command's first positional (its reference, its URL): the parser checked it is there; said plainly if not. */
export const firstPositional = (parsed: Parsed): string => {
  const [first] = parsed.positionals
  if (first === undefined)
    throw new CliFailure("usage", `${parsed.command} takes an argument: see cc-session ${parsed.command} --help`)
  return first
}

/** The shared log's URL, if given: PostgreSQL's own schemes only (a typo is bad usage, not an I/O error). */
export const sharedLogUrl = (given: string | undefined): string | undefined => {
  if (given === undefined) return undefined
  if (isPostgresUrl(given)) return given
  throw new CliFailure(
    "usage",
    `--events takes a PostgreSQL URL (postgres://user@host:5432/db), not ${JSON.stringify(given.replace(/\/\/[^@/]*@/, "//…@").slice(0, 60))}`
  )
}
