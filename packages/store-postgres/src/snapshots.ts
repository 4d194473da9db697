/** Fold snapshots in PostgreSQL: the newest few per fold version, each checked against the log before use. */
import { decodeFoldSnapshot, encodeFoldSnapshot, FOLD_VERSION, isStoreError, type SnapshotShelf } from "@cc/events"
import * as Effect from "effect/Effect"
import type pg from "pg"
import type { Retrying } from "./connection.js"
import { codeOf, storeError } from "./pg-error.js"

// the newest few per fold version: one being read while the next is written, and a spare
const SNAPSHOTS_KEPT = 2
/** The fold snapshots kept in `table`'s snapshot table: a cache, never the truth (see `@cc/events/fold-snapshot`). */
export const snapshotShelf = ({
  pool,
  retrying,
  table,
  snapshotTable,
  location
}: {
  readonly pool: pg.Pool
  readonly retrying: Retrying
  readonly table: string
  readonly snapshotTable: string
  readonly location: string
}): SnapshotShelf => ({
  load: () =>
    Effect.tryPromise({
      try: () =>
        retrying("read a snapshot from", async () => {
          const found = await pool.query<{ body: string }>(
            `SELECT body FROM ${snapshotTable} WHERE fold_version = $1 ORDER BY next_offset DESC LIMIT $2`,
            [FOLD_VERSION, SNAPSHOTS_KEPT]
          )
          for (const row of found.rows) {
            const decoded = decodeFoldSnapshot(row.body)
            if (decoded._tag === "Refused") continue
            const { last, nextOffset } = decoded.snapshot
            // the log must still hold the last event it covers where it says: a table emptied
            // or restored from elsewhere makes the snapshot someone else's
            const held = await pool.query<{ id: string; end: string }>(
              `SELECT (SELECT id FROM ${table} WHERE position = $1) AS id,
                      (SELECT COALESCE(MAX(position), 0) + 1 FROM ${table}) AS end`,
              [last?.offset ?? 0]
            )
            const here = held.rows[0]
            if (here === undefined || Number(here.end) < nextOffset) continue
            if (last === null ? nextOffset <= 1 : here.id === last.id) return decoded.snapshot
          }
          return undefined
        }),
      catch: (cause) => (isStoreError(cause) ? cause : storeError(cause, location, "read a snapshot from"))
    }),
  save: (snapshot) =>
    Effect.tryPromise({
      try: () =>
        retrying("keep a snapshot in", async () => {
          await pool.query(
            `INSERT INTO ${snapshotTable} (fold_version, next_offset, body) VALUES ($1, $2, $3)
             ON CONFLICT DO NOTHING`,
            [snapshot.foldVersion, snapshot.nextOffset, encodeFoldSnapshot(snapshot)]
          )
          // a role that may add snapshots but not remove them leaves the old ones
          await pool
            .query(
              `DELETE FROM ${snapshotTable} WHERE fold_version = $1 AND next_offset < (
               SELECT MIN(next_offset) FROM (
                 SELECT next_offset FROM ${snapshotTable} WHERE fold_version = $1
                 ORDER BY next_offset DESC LIMIT $2) newest)`,
              [snapshot.foldVersion, SNAPSHOTS_KEPT]
            )
            .catch((error: unknown) => {
              if (codeOf(error) !== "42501") throw error
            })
        }),
      catch: (cause) => (isStoreError(cause) ? cause : storeError(cause, location, "keep a snapshot in"))
    })
})
