/**
 * What a launch with `--events URL` writes to: this machine's own log first (a detached
 * supervisor outlives the CLI by hours, and a server that is down must lose nothing), then the
 * shared log at once, after every append, so that other machines see a run's events as they
 * come. A push that fails leaves the events in the local log; the next push, or `sync`, sends
 * them (the shared log drops repeats by event id).
 */
import { type EventLog, openEventLog } from "@cc/events"

export interface PushingLog {
  /** Appends locally, then pushes everything not yet pushed. */
  readonly log: EventLog
  /** Pushes what the local log has that was not pushed yet. */
  readonly push: () => Promise<void>
  /** Waits for the pushes in flight and closes the shared log's connections. */
  readonly close: () => Promise<void>
}

export const openPushingLog = async (options: {
  readonly storeDir: string
  readonly url: string
  /** Told when a push fails (the events stay local). */
  readonly onPushError: (error: unknown) => void
  /** Attempts per shared-log operation (a supervisor does not wait long on a server that is down). */
  readonly attempts?: number
}): Promise<PushingLog> => {
  const local = await openEventLog({ dir: options.storeDir })
  const { openPostgresEventLog, pushEventLog, syncProgressFile } = await import("@cc/store-postgres")
  const remote = await openPostgresEventLog({
    url: options.url,
    poolSize: 1,
    ...(options.attempts === undefined ? {} : { attempts: options.attempts })
  })
  const progressFile = syncProgressFile(options.storeDir, remote.location)
  // one push at a time: each sends what the ones before it left
  let pushing: Promise<void> = Promise.resolve()
  const push = (): Promise<void> => {
    pushing = pushing.then(() =>
      pushEventLog({ local, remote, progressFile }).then(
        () => undefined,
        (error: unknown) => options.onPushError(error)
      )
    )
    return pushing
  }
  return {
    log: {
      ...local,
      append: async (events) => {
        const appended = await local.append(events)
        await push()
        return appended
      }
    },
    push,
    close: async () => {
      await pushing
      await remote.close()
    }
  }
}
