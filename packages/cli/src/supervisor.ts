// The detached supervisor: spawned by the launcher in its own process session, it runs one
// Claude Code run to the end. Its only argument is the run spec, base64url JSON.
import { Exit, Schema } from "effect"
import { type RunSpec, superviseRun } from "./supervise.js"

const Spec = Schema.Struct({
  stableId: Schema.String,
  runId: Schema.String,
  storeDir: Schema.String,
  claudeBin: Schema.String,
  args: Schema.Array(Schema.String),
  cwd: Schema.String,
  logPath: Schema.String,
  mode: Schema.Literals(["run", "stream", "detached"]),
  resumedFrom: Schema.optionalKey(Schema.String),
  linkKind: Schema.optionalKey(Schema.Literals(["resume", "fork"])),
  parentStableId: Schema.optionalKey(Schema.String)
})

const main = async (): Promise<number> => {
  let value: unknown
  try {
    value = JSON.parse(Buffer.from(process.argv[2] ?? "", "base64url").toString("utf8"))
  } catch {
    process.stderr.write("cc-session supervisor: the run spec is not valid base64url JSON\n")
    return 2
  }
  const decoded = Schema.decodeUnknownExit(Spec)(value)
  if (Exit.isFailure(decoded)) {
    process.stderr.write("cc-session supervisor: the run spec does not match its schema\n")
    return 2
  }
  const outcome = await superviseRun(decoded.value as RunSpec)
  return outcome.isError ? 1 : 0
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`cc-session supervisor: ${error instanceof Error ? error.message : String(error)}\n`)
    process.exit(4)
  }
)
