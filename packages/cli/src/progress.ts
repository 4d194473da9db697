/** The progress bar a long command draws on stderr, on a terminal only (never with `--json`). */
import type { Context } from "./context.js"

export const progressBar = (ctx: Context, label: string, unit: string) => {
  const tty = process.stderr.isTTY === true && !ctx.json
  return {
    step: (done: number, total: number): void => {
      if (!tty) return
      const width = 30
      const filled = total === 0 ? width : Math.round((done / total) * width)
      process.stderr.write(`\r${label} [${"#".repeat(filled)}${" ".repeat(width - filled)}] ${done}/${total} ${unit}`)
    },
    /** Ends the bar's line (kept on screen), or clears it (`clear`: rows follow on stdout). */
    end: (clear = false): void => {
      if (tty) process.stderr.write(clear ? "\r\u001b[K" : "\n")
    }
  }
}
