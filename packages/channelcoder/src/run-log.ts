/**
 * What a detached run's stream-json log says of its runs, by counting lines: a 2.1.x resume
 * appends to its session's log, so a run is going while the log has more `init` lines than
 * `result` lines.
 */
import { readFileSync } from "node:fs"

export const INIT_LINE = /"subtype"\s*:\s*"init"/g
export const RESULT_LINE = /"type"\s*:\s*"result"/g

export const countMatches = (text: string, pattern: RegExp): number => text.match(pattern)?.length ?? 0

export const readTextIfAny = (path: string): string | undefined => {
  try {
    return readFileSync(path, "utf8")
  } catch {
    return undefined
  }
}
