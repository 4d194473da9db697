// The detached supervisor: spawned by the launcher in its own process session, it runs one
// Claude Code run to the end. The run spec (JSON, with the prompt) comes on its stdin, never
// as an argument: any local user can read a command line.
//
// Claude is started first, before the heavier modules load: a supervisor killed during its own
// start-up then still leaves a run that writes its log and transcript, and is found later.
import type { ChildProcess } from "node:child_process"
import { invocationOf, spawnClaude } from "./spawn-claude.js"

const chunks: Array<Buffer> = []
for await (const chunk of process.stdin) chunks.push(chunk as Buffer)
let value: unknown
try {
  value = JSON.parse(Buffer.concat(chunks).toString("utf8"))
} catch {
  value = undefined
}
const invocation = invocationOf(value)
if (invocation === undefined) {
  process.stderr.write("cc-session supervisor: the run spec is not valid\n")
  process.exit(2)
}
const child: ChildProcess = spawnClaude(invocation)
// a path computed at run time: the bundler must not inline (and so preload) the rest
const rest = new URL("./supervisor-main.js", import.meta.url).href
const { supervise } = (await import(rest)) as { supervise: (spec: unknown, child: ChildProcess) => Promise<number> }
process.exit(await supervise(value, child))
