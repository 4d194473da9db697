/**
 * Waiting for the next append: LISTEN on the store's channel (an append notifies in its
 * transaction), with a timeout as the fallback for a lost connection or a missed notification.
 */
import pg from "pg"

export interface AppendNotifications {
  /** Resolves at the next notification of an append, or after `ms`. */
  readonly nextAppendOr: (ms: number) => Promise<void>
  /** Wakes every waiter and closes the listening connection. */
  readonly close: () => Promise<void>
}

export const appendNotifications = (url: string | undefined, channel: string): AppendNotifications => {
  let listener: pg.Client | undefined
  let listening: Promise<void> | undefined
  const waiters = new Set<() => void>()
  const listen = (): Promise<void> => {
    listening ??= (async () => {
      const client = new pg.Client(url === undefined ? {} : { connectionString: url })
      client.on("error", () => {
        // a dropped listener: the poll carries on, and the next wait listens again
        listener = undefined
        listening = undefined
      })
      client.on("notification", () => {
        for (const wake of [...waiters]) wake()
      })
      await client.connect()
      await client.query(`LISTEN ${channel}`)
      listener = client
    })().catch(() => {
      listening = undefined
    })
    return listening
  }
  const nextAppendOr = async (ms: number): Promise<void> => {
    await listen()
    await new Promise<void>((resolve) => {
      const wake = () => {
        clearTimeout(timer)
        waiters.delete(wake)
        resolve()
      }
      const timer = setTimeout(wake, ms)
      waiters.add(wake)
    })
  }
  return {
    nextAppendOr,
    close: async () => {
      for (const wake of [...waiters]) wake()
      await listener?.end().catch(() => {})
    }
  }
}
