/** What the layers found, as the resolution paths use it. */
import type { Discovery, SessionFound } from "@cc/sources"
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
