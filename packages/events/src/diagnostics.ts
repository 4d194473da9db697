/**
 * What a store's reader reports instead of an event: a line it skipped, a torn tail it moved
 * aside. Schemas, because a skipped line also travels inside a fold snapshot (a boundary).
 */
import * as Schema from "effect/Schema"

/** A line the reader could not use. It stays in the log; the reader reports and skips it. */
export const SkippedLine = Schema.Struct({
  _tag: Schema.Literal("SkippedLine"),
  offset: Schema.Int,
  length: Schema.Int,
  reason: Schema.String
})
export type SkippedLine = typeof SkippedLine.Type

/** A partial last line left by a writer that crashed mid-append, moved aside on open. */
export interface TornTailRepaired {
  readonly _tag: "TornTailRepaired"
  readonly offset: number
  readonly length: number
  readonly quarantine: string
}

export type StoreDiagnostic = SkippedLine | TornTailRepaired
