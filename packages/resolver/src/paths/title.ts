/**
 * A session by its title, as `claude --resume "my named session"` takes one: the title Claude
 * or the SDK recorded (custom title, agent name, AI title; never a first prompt). Exact first,
 * then without regard to case; one chain is the answer, several are listed as candidates.
 */
import { sessionTitle } from "@cc/sources"
import type { ResolverCore } from "../core.js"
import { AmbiguousSession, SessionNotFound } from "../errors.js"
import type { Resolution } from "../resolution.js"
import { resolveClaude } from "./claude.js"

/** What `title:<text>` names explicitly (any other reference is tried as a title only when it is no id). */
export const TITLE_PREFIX = "title:"

/**
 * The session titled `title`, or undefined when no transcript has that title (and the
 * reference was not explicitly one, when it is not found).
 */
export const resolveTitle = async (
  p: ResolverCore,
  title: string,
  reference: string,
  explicit: boolean
): Promise<Resolution | undefined> => {
  const titled = (await p.transcripts()).filter((t) => !t.sidechain)
  const wanted = title.trim()
  const exact = titled.filter((t) => sessionTitle(t.records) === wanted)
  const lower = wanted.toLowerCase()
  const matching = exact.length > 0 ? exact : titled.filter((t) => sessionTitle(t.records)?.toLowerCase() === lower)
  // one per conversation: a chain whose members share a title is one session
  const chains = new Map<string, (typeof matching)[number]>()
  for (const t of matching) {
    const chain = p.chainOf(t.claudeSessionId)
    const key = chain[0] ?? t.claudeSessionId
    const seen = chains.get(key)
    if (seen === undefined || (t.lastTimestamp ?? "") > (seen.lastTimestamp ?? "")) chains.set(key, t)
  }
  const found = [...chains.values()]
  const [only] = found
  if (only !== undefined && found.length === 1) return resolveClaude(p, only.claudeSessionId, reference)
  if (found.length > 1) {
    throw new AmbiguousSession({
      reference,
      candidates: found.map((t) => ({ stableId: null, claudeSessionId: t.claudeSessionId, source: "transcripts" })),
      message: `${found.length} sessions are titled ${JSON.stringify(wanted.slice(0, 80))}: name one by its id`
    })
  }
  if (!explicit) return undefined
  throw new SessionNotFound({
    reference,
    searched: ["transcripts"],
    message: `no session is titled ${JSON.stringify(wanted.slice(0, 80))}`
  })
}
