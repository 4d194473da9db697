/**
 * What a listing is made from (a store, its Claude homes, the resolver opened once) and where
 * what it could not read is said: the CLI's context, or the Agent SDK package's.
 */
import type { OpenedResolver } from "../open.js"

export type Warn = (message: string, details?: Record<string, unknown>) => void

export interface ListingSource {
  readonly storeDir: string
  readonly claudeHomes: ReadonlyArray<string>
  /** The event log is a shared one (PostgreSQL): it changes unseen, so no listing is kept. */
  readonly sharedLog: boolean
  /** The store, the transcript index and the resolver, opened on first use. */
  readonly open: () => Promise<OpenedResolver>
  readonly warn: Warn
}

/** Event log lines that could not be read: one warning for the file, with their offsets. */
export const warnSkippedLines = (
  warn: Warn,
  location: string,
  skipped: ReadonlyArray<{ readonly offset: number; readonly reason: string }>
): void => {
  if (skipped.length === 0) return
  const offsets = skipped.map((d) => d.offset)
  const one = skipped.length === 1
  warn(
    `${location}: ${skipped.length} line${one ? "" : "s"} could not be read and ${one ? "was" : "were"} skipped (at byte${one ? "" : "s"} ${offsets.slice(0, 20).join(", ")}${offsets.length > 20 ? ", …" : ""})`,
    { path: location, offsets, reasons: [...new Set(skipped.map((d) => d.reason))] }
  )
}

/** What the transcript index could not read (a misspelt home, a folder or file without permission): each a warning. */
export const warnUnreadable = (
  warn: Warn,
  diagnostics: ReadonlyArray<{ readonly severity: string; readonly reason: string; readonly path?: string }>
): void => {
  for (const d of diagnostics) {
    if (d.severity === "info") continue
    warn(`${d.path === undefined ? "" : `${d.path}: `}${d.reason}`, { path: d.path ?? null, reason: d.reason })
  }
}
