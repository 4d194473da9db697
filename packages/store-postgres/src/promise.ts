/** The Promise API: an `EventLog` (as `@cc/events`' `openEventLog` gives) and a vault on PostgreSQL. */
import { type EventLog, runAsPromise, toEventLog } from "@cc/events"
import type { OpenedVault } from "@cc/vault"
import { makePostgresStore, type PostgresStoreOptions } from "./store.js"
import { makePostgresVault } from "./vault.js"

export interface PostgresEventLog extends EventLog {
  readonly close: () => Promise<void>
}

export const openPostgresEventLog = async (options: PostgresStoreOptions = {}): Promise<PostgresEventLog> => {
  const store = await runAsPromise(makePostgresStore(options))
  return { ...toEventLog(store), close: store.close }
}

/** A PostgreSQL vault as `@cc/vault`'s `openVaultAt` takes it (a launcher's shared vault). */
export const openVaultAtUrl = async (url: string): Promise<OpenedVault> => {
  const vault = await runAsPromise(makePostgresVault({ url, attempts: 3 }))
  return { vault, close: () => vault.close() }
}
