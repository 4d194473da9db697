// The `cc-session` executable. Only the argument parser loads before the command is known:
// `--help` and `--version` cost a bare Node start, and each command loads what it uses.

import { createRequire } from "node:module"
import { terminalSafe } from "@cc/events"
import { parseArgs, UsageError, usage } from "./args.js"
import { commandUsage } from "./help.js"

// a reader that went away (`cc-session ls | head -1`) ends the output, quietly, with success
const quietOnClosedPipe = (stream: NodeJS.WriteStream) =>
  stream.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code === "EPIPE") process.exit(0)
    throw error
  })
quietOnClosedPipe(process.stdout)
quietOnClosedPipe(process.stderr)

const argv = process.argv.slice(2)
const json = argv.includes("--json")
const start = async (): Promise<number> => {
  let parsed: ReturnType<typeof parseArgs>
  try {
    parsed = parseArgs(argv)
  } catch (error) {
    if (!(error instanceof UsageError)) throw error
    process.stderr.write(
      json
        ? `${JSON.stringify({ error: { code: "usage", message: error.message } })}\n`
        : `cc-session: ${terminalSafe(error.message)}\n`
    )
    return 2
  }
  if (parsed.command === "help") {
    const about = parsed.positionals[0]
    process.stdout.write(`${about === undefined ? usage : commandUsage(about)}\n`)
    return 0
  }
  if (parsed.command === "version") {
    const pkg: unknown = createRequire(import.meta.url)("../package.json")
    const version =
      typeof pkg === "object" && pkg !== null && "version" in pkg && typeof pkg.version === "string"
        ? pkg.version
        : "unknown"
    process.stdout.write(json ? `${JSON.stringify({ version })}\n` : `${version}\n`)
    return 0
  }
  const { main } = await import("./main.js")
  return main(parsed, json)
}

start().then((code) => {
  process.exitCode = code
})
