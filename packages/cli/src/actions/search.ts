/**
 * `search TEXT` (and `ls --all --grep TEXT`): the chains whose user prompts or assistant
 * replies hold TEXT (case-insensitive; `--regex` for a regular expression), newest first, one
 * row per chain with the newest matching message's snippet and time. Rows are printed as each
 * chain is searched (JSON lines with `--json`), with a progress bar on a terminal. A
 * transcript is read (a line parsed only when its raw text may match) unless the memory of the
 * same search (`search-memory.ts`) already covers it, or covers all but what was appended.
 */

import type { TranscriptCache } from "@cc/cache"
import { terminalSafe } from "@cc/events"
import { allChains, type ChainRow, listingRows } from "@cc/resolver"
import { type SearchHit, type SearchMatcher, searchMatcher, searchTranscript } from "@cc/sources"
import { CliFailure, type Context, optionValue } from "../context.js"
import { progressBar } from "../progress.js"
import { SearchMemory, searchMemoryFile } from "./search-memory.js"

/** The matcher a command line asks for, or a usage error for a regular expression that is none. */
export const matcherOf = (text: string, regex: boolean): SearchMatcher => {
  if (text === "") throw new CliFailure("usage", "the search text is empty")
  try {
    return searchMatcher(text, { regex })
  } catch (error) {
    throw new CliFailure("usage", `not a regular expression: ${error instanceof Error ? error.message : String(error)}`)
  }
}

/** The memory of this search, unless the command line or the environment says not to use one. */
export const memoryOf = (ctx: Context, text: string, regex: boolean): SearchMemory | undefined =>
  ctx.parsed.flags.has("--no-memory") || process.env.CC_SESSIONS_SEARCH_MEMORY === "0"
    ? undefined
    : SearchMemory.open(searchMemoryFile(ctx.storeDir), text, regex)

/** The newest matching message of a chain, searching its members newest first. */
export const chainHit = async (
  cache: TranscriptCache,
  row: ChainRow,
  matcher: SearchMatcher,
  memory?: SearchMemory
): Promise<(SearchHit & { readonly claudeSessionId: string }) | undefined> => {
  for (const id of [...row.claudeSessionIds].reverse()) {
    const t = cache.byClaudeId(id)
    if (t === undefined) continue
    const newest = await (memory === undefined
      ? searchTranscript(t.path, matcher).then((hits) => hits.at(-1))
      : memory.newestHit(t, matcher)
    ).catch(() => undefined)
    if (newest !== undefined) return { ...newest, claudeSessionId: id }
  }
  return undefined
}

export const search = async (ctx: Context): Promise<void> => {
  const [text = ""] = ctx.parsed.positionals
  const regex = ctx.parsed.flags.has("--regex")
  const matcher = matcherOf(text, regex)
  const memory = memoryOf(ctx, text, regex)
  const limitText = optionValue(ctx, "--limit")
  const limit = limitText === undefined ? Number.POSITIVE_INFINITY : Number(limitText)
  if (limitText !== undefined && (!Number.isInteger(limit) || limit < 1))
    throw new CliFailure("usage", "--limit takes a whole number of rows, 1 or more")
  const withArchived = ctx.parsed.flags.has("--archived")
  const rows = listingRows((await allChains(ctx)).rows).filter((r) => withArchived || r.archived !== true)
  const { cache } = await ctx.open()
  const bar = progressBar(ctx, "searching", "sessions")
  let found = 0
  for (const [i, row] of rows.entries()) {
    bar.step(i, rows.length)
    const hit = await chainHit(cache, row, matcher, memory)
    if (hit === undefined) continue
    found++
    bar.end(true)
    if (ctx.json) ctx.out(JSON.stringify({ ...row, match: hit }))
    else {
      const when = (hit.timestamp ?? "").slice(0, 16).replace("T", " ") || "-"
      const title = row.title === null ? "" : `  ${terminalSafe(row.title.split("\n", 1)[0] ?? "").slice(0, 40)}`
      ctx.out(`${when}  ${row.latestClaudeSessionId}${title}\n    ${hit.role}: ${terminalSafe(hit.snippet)}`)
    }
    if (found >= limit) break
  }
  bar.end(true)
  memory?.save()
  if (found === 0)
    throw new CliFailure("not_found", `no session's conversation holds ${JSON.stringify(text.slice(0, 80))}`)
}
