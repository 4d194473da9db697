/** `index`: builds or refreshes the transcript index, with a progress bar on a terminal. */
import { type Context, human } from "../context.js"

export const buildIndex = async (ctx: Context): Promise<void> => {
  const { cache } = await ctx.open()
  const tty = process.stderr.isTTY === true && !ctx.json
  const result = await cache.refresh({
    onProgress: (done, total) => {
      if (!tty) return
      const width = 30
      const filled = total === 0 ? width : Math.round((done / total) * width)
      process.stderr.write(`\rindexing [${"#".repeat(filled)}${" ".repeat(width - filled)}] ${done}/${total} folders`)
    }
  })
  if (tty) process.stderr.write("\n")
  ctx.out(ctx.json ? JSON.stringify(result.stats) : human({ ...result.stats }))
}
