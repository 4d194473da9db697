/**
 * `sync URL`: this machine's event log into a shared PostgreSQL one and back, idempotently
 * (event ids are the key), picking up where a sync killed half-way stopped.
 */
import { openEventLog } from "@cc/events"
import { openPostgresEventLog, syncEventLogs, syncProgressFile } from "@cc/store-postgres"
import { type Context, firstPositional, human, sharedLogUrl } from "../context.js"

export const sync = async (ctx: Context): Promise<void> => {
  const url = sharedLogUrl(firstPositional(ctx.parsed)) ?? ""
  const local = await openEventLog({ dir: ctx.storeDir })
  const remote = await openPostgresEventLog({ url, openAttempts: 1 })
  try {
    const result = await syncEventLogs({
      local,
      remote,
      progressFile: syncProgressFile(ctx.storeDir, remote.location)
    })
    ctx.out(
      ctx.json ? JSON.stringify({ ...result, shared: remote.location }) : human({ ...result, shared: remote.location })
    )
  } finally {
    await remote.close()
  }
}
