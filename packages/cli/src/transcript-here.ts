/**
 * Where a session's latest transcript is: on this host (a path claude here can resume, and a
 * file a rename or tag may be appended to), or known to be on another (a shared log, a sync),
 * which is said plainly, naming the host, instead of "No conversation found".
 */
import { existsSync } from "node:fs"
import { basename } from "node:path"
import { HOST } from "@cc/events"
import type { Resolution } from "@cc/resolver"
import { SessionOnAnotherHost } from "./launch-errors.js"

/**
 * Refuses a session whose latest transcript is not here but is known to be on another host.
 * With nothing known of hosts, nothing is refused: claude (or the caller) is left to say.
 */
export const failIfElsewhere = (reference: string, resolution: Resolution, latest: string, then: string): void => {
  const file = resolution.transcripts.filter((path) => basename(path) === `${latest}.jsonl`)
  if (file.some((path) => existsSync(path))) return
  const hosts = new Set(file.flatMap((path) => resolution.transcriptHosts[path] ?? []))
  if (hosts.size === 0 && resolution.host !== null) hosts.add(resolution.host)
  if (hosts.size === 0 || hosts.has(HOST)) return
  const names = [...hosts].sort()
  throw new SessionOnAnotherHost({
    stableId: resolution.stableId,
    hosts: names,
    message: `${reference} was run on ${names.join(", ")}, not on this host (${HOST}): its transcript ${latest} is there. ${then} on ${names.length === 1 ? "that host" : "one of those hosts"}`
  })
}

/** The latest transcript's path on this host, if it is here. */
export const latestTranscriptHere = (resolution: Resolution, latest: string): string | undefined =>
  resolution.transcripts.find((path) => basename(path) === `${latest}.jsonl` && existsSync(path))
