/** `index`: builds or refreshes the transcript index, with a progress bar on a terminal. */
import { type Context, human } from "../context.js"
import { progressBar } from "../progress.js"

export const buildIndex = async (ctx: Context): Promise<void> => {
  const { cache } = await ctx.open()
  const bar = progressBar(ctx, "indexing", "folders")
  const result = await cache.refresh({ onProgress: bar.step })
  bar.end()
  ctx.out(ctx.json ? JSON.stringify(result.stats) : human({ ...result.stats }))
}
