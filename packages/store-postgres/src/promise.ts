/** The Promise API: an `EventLog` (as `@cc/events`' `openEventLog` gives) on PostgreSQL. */
import { type EventLog, runAsPromise, toEventLog } from "@cc/events"
import { makePostgresStore, type PostgresStoreOptions } from "./store.js"

export interface PostgresEventLog extends EventLog {
  readonly close: () => Promise<void>
}

export const openPostgresEventLog = async (options: PostgresStoreOptions = {}): Promise<PostgresEventLog> => {
  const store = await runAsPromise(makePostgresStore(options))
  return { ...toEventLog(store), close: store.close }
}
