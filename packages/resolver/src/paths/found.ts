/** What the layers found, as the resolution paths use it. */
import type { Discovery, SessionFound } from "@cc/sources"
import type { Candidate } from "../errors.js"
export const sessionsFound = (discoveries: ReadonlyArray<Discovery>): Array<SessionFound> =>
  discoveries.filter((d): d is SessionFound => d._tag === "SessionFound")

/** One discovery per Claude id: earliest time, first prompt hash, any cwd. */
export const aggregate = (found: ReadonlyArray<SessionFound>): Array<SessionFound> => {
  const byId = new Map<string, SessionFound>()
  for (const f of found) {
    const previous = byId.get(f.claudeSessionId)
    if (previous === undefined) {
      byId.set(f.claudeSessionId, f)
      continue
    }
    byId.set(f.claudeSessionId, {
      ...previous,
      ...(previous.promptHash === undefined && f.promptHash !== undefined ? { promptHash: f.promptHash } : {}),
      ...((f.firstTimestamp ?? "~") < (previous.firstTimestamp ?? "~") && f.firstTimestamp !== undefined
        ? { firstTimestamp: f.firstTimestamp }
        : {})
    })
  }
  return [...byId.values()]
}

/** A candidate as an ambiguity lists it. */
export const candidateOf = (
  t: { claudeSessionId: string; cwd?: string; firstTimestamp?: string },
  source: string,
  stableId: string | null = null
): Candidate => ({
  stableId,
  claudeSessionId: t.claudeSessionId,
  source,
  ...(t.cwd === undefined ? {} : { cwd: t.cwd }),
  ...(t.firstTimestamp === undefined ? {} : { firstTimestamp: t.firstTimestamp })
})
