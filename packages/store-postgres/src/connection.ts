/**
 * A pool of connections to the store's database, with the two ways the store uses it: an
 * operation retried while its failure is transient (backing off 100 ms → 3 s), and a
 * transaction whose broken connection is closed rather than handed to the next caller.
 */
import pg from "pg"
import { isTransient, storeError } from "./pg-error.js"

export type Retrying = <A>(operation: string, f: () => Promise<A>, most?: number) => Promise<A>

export interface Connection {
  readonly pool: pg.Pool
  readonly retrying: Retrying
  readonly transaction: <A>(f: (client: pg.PoolClient) => Promise<A>) => Promise<A>
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

export const openConnection = (options: {
  readonly url?: string
  readonly poolSize?: number
  readonly attempts: number
  readonly location: string
}): Connection => {
  const { attempts, location } = options
  const pool = new pg.Pool({
    ...(options.url === undefined ? {} : { connectionString: options.url }),
    max: options.poolSize ?? 4
  })
  // an idle connection dropped by a restarting server must not crash the process
  pool.on("error", () => {})

  const retrying = async <A>(operation: string, f: () => Promise<A>, most = attempts): Promise<A> => {
    let delay = 100
    for (let attempt = 1; ; attempt++) {
      try {
        return await f()
      } catch (error) {
        if (attempt >= most || !isTransient(error)) throw storeError(error, location, operation)
        await sleep(delay + Math.random() * delay)
        delay = Math.min(delay * 2, 3000)
      }
    }
  }

  const transaction = async <A>(f: (client: pg.PoolClient) => Promise<A>): Promise<A> => {
    const client = await pool.connect()
    // a connection that dies while checked out emits "error": without a listener that would end
    // the process; the query in flight rejects, and the retry takes another connection
    const ignore = () => {}
    client.on("error", ignore)
    let broken: Error | undefined
    try {
      await client.query("BEGIN")
      const result = await f(client)
      await client.query("COMMIT")
      return result
    } catch (error) {
      if (isTransient(error)) broken = error instanceof Error ? error : new Error(String(error))
      else await client.query("ROLLBACK").catch(() => {})
      throw error
    } finally {
      client.off("error", ignore)
      // a broken connection is closed, not handed to the next append
      client.release(broken)
    }
  }

  return { pool, retrying, transaction }
}
