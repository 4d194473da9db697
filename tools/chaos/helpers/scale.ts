import { appendFileSync, mkdirSync } from "node:fs"
import { join, resolve } from "node:path"

/** `CHAOS_SCALE=full` (pnpm test:chaos) runs the sizes the reliability figures quote; CI runs a bounded form. */
export const full = process.env.CHAOS_SCALE === "full"
export const scale = <A>(bounded: A, fullSize: A): A => (full ? fullSize : bounded)

const resultsDir = resolve(import.meta.dirname, "..", "..", "..", ".chaos")

/** Records a figure for RELIABILITY.md (tools/chaos/report.mjs renders them). */
export const record = (name: string, figures: Record<string, number | string>): void => {
  mkdirSync(resultsDir, { recursive: true })
  appendFileSync(
    join(resultsDir, "results.jsonl"),
    `${JSON.stringify({ name, scale: full ? "full" : "bounded", at: new Date().toISOString(), ...figures })}\n`
  )
}
