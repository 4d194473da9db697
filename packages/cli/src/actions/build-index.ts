/**
 * `index`: builds or refreshes the transcript index, with a progress bar on a terminal, then
 * brings the transcript vault up to date with what its policy keeps.
 */
import { type Context, human } from "../context.js"
import { progressBar } from "../progress.js"
import { keepPerPolicy, policyOf } from "./vault.js"

export const buildIndex = async (ctx: Context): Promise<void> => {
  const { cache } = await ctx.open()
  const bar = progressBar(ctx, "indexing", "folders")
  const result = await cache.refresh({ onProgress: bar.step })
  bar.end()
  const policy = policyOf(ctx)
  const kept = policy === "none" ? undefined : await keepPerPolicy(ctx, policy)
  if (ctx.json) {
    const { problems: _problems, ...vault } = kept ?? { problems: [] }
    ctx.out(JSON.stringify({ ...result.stats, vault: kept === undefined ? null : vault }))
  } else {
    const vault =
      kept === undefined ? "off" : `${kept.pushed} of ${kept.files} transcripts copied (${kept.bytes} bytes)`
    ctx.out(human({ ...result.stats, vault }))
  }
}
