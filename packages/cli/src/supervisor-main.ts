// The rest of the detached supervisor, loaded once claude is already running.
import type { ChildProcess } from "node:child_process"
import * as Exit from "effect/Exit"
import * as Schema from "effect/Schema"
import { openPushingLog } from "./shared-log.js"
import { RunSpec, superviseRun } from "./supervise.js"

const decodeRunSpec = Schema.decodeUnknownExit(RunSpec)

export const supervise = async (value: unknown, child: ChildProcess): Promise<number> => {
  const decoded = decodeRunSpec(value)
  if (Exit.isFailure(decoded)) {
    child.kill("SIGTERM")
    process.stderr.write("cc-session supervisor: the run spec does not match its schema\n")
    return 2
  }
  const spec = decoded.value
  // with a shared log, each event goes up as soon as it is here; a server that is down (now or
  // later) costs nothing but the push: the events stay in this machine's log for `sync`
  const pushing =
    spec.pushTo === undefined
      ? undefined
      : await openPushingLog({ storeDir: spec.storeDir, url: spec.pushTo, attempts: 3, onPushError: () => {} }).catch(
          () => undefined
        )
  try {
    const outcome = await superviseRun(spec, { child, ...(pushing === undefined ? {} : { log: pushing.log }) })
    return outcome.isError ? 1 : 0
  } catch (error) {
    process.stderr.write(`cc-session supervisor: ${error instanceof Error ? error.message : String(error)}\n`)
    return 4
  } finally {
    await pushing?.close().catch(() => {})
  }
}
