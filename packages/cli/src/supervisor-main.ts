// The rest of the detached supervisor, loaded once claude is already running.
import type { ChildProcess } from "node:child_process"
import * as Exit from "effect/Exit"
import * as Schema from "effect/Schema"
import { type RunSpec, superviseRun } from "./supervise.js"

const Spec = Schema.Struct({
  stableId: Schema.String,
  runId: Schema.String,
  storeDir: Schema.String,
  claudeBin: Schema.String,
  args: Schema.Array(Schema.String),
  cwd: Schema.String,
  logPath: Schema.String,
  prompt: Schema.optionalKey(Schema.String),
  mode: Schema.Literals(["run", "stream", "detached"]),
  resumedFrom: Schema.optionalKey(Schema.String),
  linkKind: Schema.optionalKey(Schema.Literals(["resume", "fork"])),
  parentStableId: Schema.optionalKey(Schema.String)
})

export const supervise = async (value: unknown, child: ChildProcess): Promise<number> => {
  const decoded = Schema.decodeUnknownExit(Spec)(value)
  if (Exit.isFailure(decoded)) {
    child.kill("SIGTERM")
    process.stderr.write("cc-session supervisor: the run spec does not match its schema\n")
    return 2
  }
  try {
    const outcome = await superviseRun(decoded.value as RunSpec, { child })
    return outcome.isError ? 1 : 0
  } catch (error) {
    process.stderr.write(`cc-session supervisor: ${error instanceof Error ? error.message : String(error)}\n`)
    return 4
  }
}
