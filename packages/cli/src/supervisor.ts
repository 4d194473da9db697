// The detached supervisor: spawned by the launcher in its own process session, it runs one
// Claude Code run to the end. Its only argument is the run spec, base64url JSON.
//
// Claude is started first, before the heavier modules load: a supervisor killed during its own
// start-up then still leaves a run that writes its log and transcript, and is found later.
import type { ChildProcess } from "node:child_process"
import { invocationOf, spawnClaude } from "./spawn-claude.js"

let value: unknown
try {
  value = JSON.parse(Buffer.from(process.argv[2] ?? "", "base64url").toString("utf8"))
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
