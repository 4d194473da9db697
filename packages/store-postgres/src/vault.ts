/**
 * The transcript vault on PostgreSQL, beside the shared event log (`@cc/vault`'s interface,
 * its conformance suite unchanged): a team's machines keep their transcripts in one place, and
 * a session run on one resumes on another.
 *
 * - `<prefix>_vault_copies`: one row per transcript (Claude id, subpath), its newest
 *   generation, its length and where it lived (project folder, cwd, host).
 * - `<prefix>_vault_chunks`: the bytes, a row per chunk, keyed by (id, subpath, generation,
 *   offset), with its SHA-256. Older generations stay until the copy is removed.
 * - A push is one transaction: the copy's row locked (`FOR UPDATE`), the one push rule of
 *   `@cc/vault` checked, the chunk inserted and the row moved on. A push is acknowledged when
 *   it commits: a client or server killed before that leaves nothing, after it the chunk, and
 *   a second push of the same bytes is refused by the rule (and by the key), never doubled.
 * - The tables are made on first use under the creators' lock; a role that may only read and
 *   write them (no CREATE) uses tables made before it.
 */
import {
  byKey,
  type CopySummary,
  claimVerdict,
  keyName,
  pushVerdict,
  sha256Hex,
  type TranscriptKey,
  transcriptKeyOf,
  type VaultConflict,
  VaultDamaged,
  type VaultError,
  type VaultedTranscript,
  VaultIOError,
  type VaultShape,
  vaultIOErrorOf
} from "@cc/vault"
import * as Effect from "effect/Effect"
import type pg from "pg"
import { type Connection, openConnection } from "./connection.js"
import { codeOf, redactUrl } from "./pg-error.js"
import { CREATE_LOCK } from "./schema.js"

export interface PostgresVaultOptions {
  /** A `postgres://…` URL; without one the `PG*` variables are used, as `psql` would. */
  readonly url?: string
  /** The table name prefix (default `cc_sessions`), as the event log's. */
  readonly prefix?: string
  readonly poolSize?: number
  /** Tries of an operation whose failure is transient (default 6). */
  readonly attempts?: number
  readonly now?: () => number
}

export interface PostgresVault extends VaultShape {
  /** Closes the vault's connections. */
  readonly close: () => Promise<void>
}

const validPrefix = /^[a-z_][a-z0-9_]{0,40}$/

class Refused {
  constructor(readonly conflict: VaultConflict) {}
}

interface CopyRow {
  session_id: string
  subpath: string
  generation: number
  length: string
  project_key: string
  cwd: string | null
  host: string
  via: string | null
  first_at: string
  updated_at: string
}
interface ChunkRow {
  session_id: string
  subpath: string
  offset: string
  length: number
  sha256: string
  at: string
}

const tablesOf = (prefix: string) => ({
  copies: `${prefix}_vault_copies`,
  chunks: `${prefix}_vault_chunks`,
  claims: `${prefix}_vault_claims`
})

const createTables = (t: ReturnType<typeof tablesOf>) => `
  CREATE TABLE IF NOT EXISTS ${t.copies} (
    session_id text NOT NULL,
    subpath text NOT NULL,
    generation integer NOT NULL,
    length bigint NOT NULL,
    project_key text NOT NULL,
    cwd text,
    host text NOT NULL,
    via text,
    first_at bigint NOT NULL,
    updated_at bigint NOT NULL,
    summary_mtime bigint,
    summary text,
    PRIMARY KEY (session_id, subpath)
  );
  CREATE TABLE IF NOT EXISTS ${t.chunks} (
    session_id text NOT NULL,
    subpath text NOT NULL,
    generation integer NOT NULL,
    "offset" bigint NOT NULL,
    length integer NOT NULL,
    sha256 text NOT NULL,
    at bigint NOT NULL,
    bytes bytea NOT NULL,
    PRIMARY KEY (session_id, subpath, generation, "offset")
  );
  CREATE TABLE IF NOT EXISTS ${t.claims} (
    session_id text NOT NULL,
    subpath text NOT NULL,
    holder_id text NOT NULL,
    holder_host text NOT NULL,
    holder_what text NOT NULL,
    until bigint NOT NULL,
    PRIMARY KEY (session_id, subpath)
  )`

const described = (row: CopyRow, chunks: ReadonlyArray<ChunkRow>): VaultedTranscript | undefined => {
  const key = transcriptKeyOf(row.session_id, row.subpath)
  if (key === undefined || Number(row.length) === 0) return undefined
  return {
    key,
    meta: {
      projectKey: row.project_key,
      ...(row.cwd === null ? {} : { cwd: row.cwd }),
      host: row.host,
      ...(row.via === "session-store" ? { via: "session-store" as const } : {})
    },
    generation: row.generation,
    length: Number(row.length),
    chunks: chunks.map((c) => ({ offset: Number(c.offset), length: c.length, sha256: c.sha256, at: Number(c.at) })),
    firstAt: Number(row.first_at),
    updatedAt: Number(row.updated_at)
  }
}

export const makePostgresVault = (options: PostgresVaultOptions = {}): Effect.Effect<PostgresVault, VaultIOError> =>
  Effect.tryPromise({
    try: () => openPostgresVault(options),
    catch: (cause) => (cause instanceof VaultIOError ? cause : vaultIOError(cause, redactUrl(options.url), "open"))
  })

const vaultIOError = (cause: unknown, location: string, operation: string): VaultIOError => {
  const code = codeOf(cause)
  return vaultIOErrorOf(cause, {
    location,
    operation,
    ...(code === undefined ? {} : { code }),
    subject: `the vault at ${location}`
  })
}

const openPostgresVault = async (options: PostgresVaultOptions): Promise<PostgresVault> => {
  const prefix = options.prefix ?? "cc_sessions"
  const location = redactUrl(options.url)
  if (!validPrefix.test(prefix))
    throw new VaultIOError({
      location,
      operation: "open",
      message: `the table prefix ${JSON.stringify(prefix.slice(0, 60))} is not a plain lower-case SQL name`
    })
  const t = tablesOf(prefix)
  const now = options.now ?? Date.now
  const connection: Connection = openConnection({
    ...(options.url === undefined ? {} : { url: options.url }),
    ...(options.poolSize === undefined ? {} : { poolSize: options.poolSize }),
    attempts: options.attempts ?? 6,
    location
  })
  const { pool, retrying, transaction } = connection
  try {
    await retrying("open", async () => {
      const found = await pool.query<{ copies: string | null; chunks: string | null; claims: string | null }>(
        "SELECT to_regclass($1)::text AS copies, to_regclass($2)::text AS chunks, to_regclass($3)::text AS claims",
        [t.copies, t.chunks, t.claims]
      )
      const row = found.rows[0]
      if (row?.copies != null && row.chunks != null && row.claims != null) return
      await transaction(async (client) => {
        await client.query("SELECT pg_advisory_xact_lock($1)", [CREATE_LOCK])
        await client.query(createTables(t))
      })
    })
  } catch (error) {
    await pool.end().catch(() => {})
    throw error
  }

  /** Runs a database operation; its errors become the vault's, the vault's own pass through. */
  const attempt = <A>(operation: string, f: () => Promise<A>): Effect.Effect<A, VaultError> =>
    Effect.tryPromise({
      try: () => retrying(operation, f),
      catch: (cause) => vaultIOError(cause, location, operation)
    })

  const chunksOf = async (q: Pick<pg.PoolClient, "query">, key: TranscriptKey, generation: number) =>
    (
      await q.query<ChunkRow>(
        `SELECT session_id, subpath, "offset", length, sha256, at FROM ${t.chunks}
         WHERE session_id = $1 AND subpath = $2 AND generation = $3 ORDER BY "offset"`,
        [key.sessionId, key.subpath, generation]
      )
    ).rows

  const describe = (key: TranscriptKey) =>
    attempt("read", async () => {
      const row = (
        await pool.query<CopyRow>(`SELECT * FROM ${t.copies} WHERE session_id = $1 AND subpath = $2`, [
          key.sessionId,
          key.subpath
        ])
      ).rows[0]
      return row === undefined ? undefined : described(row, await chunksOf(pool, key, row.generation))
    })

  const push: VaultShape["push"] = (key, meta, given) =>
    Effect.flatMap(
      attempt("push to", async () => {
        try {
          return await transaction(async (client) => {
            const at = now()
            // the first push makes the row; every push then waits its turn on it
            await client.query(
              `INSERT INTO ${t.copies} (session_id, subpath, generation, length, project_key, cwd, host, via, first_at, updated_at)
               VALUES ($1, $2, 0, 0, $3, $4, $5, $6, $7, $7) ON CONFLICT DO NOTHING`,
              [key.sessionId, key.subpath, meta.projectKey, meta.cwd ?? null, meta.host, meta.via ?? null, at]
            )
            const row = (
              await client.query<CopyRow>(
                `SELECT * FROM ${t.copies} WHERE session_id = $1 AND subpath = $2 FOR UPDATE`,
                [key.sessionId, key.subpath]
              )
            ).rows[0] as CopyRow
            const length = Number(row.length)
            const verdict = pushVerdict(key, length === 0 ? undefined : { generation: row.generation, length }, given)
            if (verdict._tag === "Refused") throw new Refused(verdict.conflict)
            await client.query(
              `INSERT INTO ${t.chunks} (session_id, subpath, generation, "offset", length, sha256, at, bytes)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
              [
                key.sessionId,
                key.subpath,
                given.generation,
                given.offset,
                given.bytes.length,
                sha256Hex(given.bytes),
                at,
                Buffer.from(given.bytes.buffer, given.bytes.byteOffset, given.bytes.length)
              ]
            )
            const updated = (
              await client.query<CopyRow>(
                `UPDATE ${t.copies} SET generation = $3, length = $4, project_key = $5, cwd = $6, host = $7, updated_at = $8,
                   via = $9, first_at = CASE WHEN length = 0 THEN $8 ELSE first_at END
                 WHERE session_id = $1 AND subpath = $2 RETURNING *`,
                [
                  key.sessionId,
                  key.subpath,
                  given.generation,
                  given.offset + given.bytes.length,
                  meta.projectKey,
                  meta.cwd ?? null,
                  meta.host,
                  at,
                  meta.via ?? null
                ]
              )
            ).rows[0] as CopyRow
            const copy = described(updated, await chunksOf(client, key, given.generation))
            if (copy === undefined) throw new Error(`the push to ${keyName(key)} was not read back`)
            return copy
          })
        } catch (error) {
          if (error instanceof Refused) return error
          throw error
        }
      }),
      (result): Effect.Effect<VaultedTranscript, VaultConflict> =>
        result instanceof Refused ? Effect.fail(result.conflict) : Effect.succeed(result)
    )

  const readChunk: VaultShape["readChunk"] = (key, generation, chunk) =>
    Effect.flatMap(
      attempt("read a chunk of", async () =>
        pool.query<{ bytes: Buffer }>(
          `SELECT bytes FROM ${t.chunks} WHERE session_id = $1 AND subpath = $2 AND generation = $3 AND "offset" = $4`,
          [key.sessionId, key.subpath, generation, chunk.offset]
        )
      ),
      (found): Effect.Effect<Uint8Array, VaultDamaged> => {
        const bytes = found.rows[0]?.bytes
        return bytes === undefined
          ? Effect.fail(
              new VaultDamaged({
                sessionId: key.sessionId,
                subpath: key.subpath,
                message: `the vault's copy of ${keyName(key)} is damaged: its chunk at ${chunk.offset} (generation ${generation}) is missing`
              })
            )
          : Effect.succeed(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length))
      }
    )

  const list: VaultShape["list"] = (listOptions = {}) =>
    attempt("list", async () => {
      const filter = listOptions.sessionId === undefined ? "" : "WHERE c.session_id = $1"
      const values = listOptions.sessionId === undefined ? [] : [listOptions.sessionId]
      const copies = (await pool.query<CopyRow>(`SELECT * FROM ${t.copies} c ${filter}`, values)).rows
      const chunks = (
        await pool.query<ChunkRow>(
          `SELECT k.session_id, k.subpath, k."offset", k.length, k.sha256, k.at FROM ${t.chunks} k
           JOIN ${t.copies} c ON c.session_id = k.session_id AND c.subpath = k.subpath AND c.generation = k.generation
           ${filter} ORDER BY k.session_id, k.subpath, k."offset"`,
          values
        )
      ).rows
      const byCopy = new Map<string, Array<ChunkRow>>()
      for (const c of chunks) {
        const name = `${c.session_id}\u0000${c.subpath}`
        const held = byCopy.get(name)
        if (held === undefined) byCopy.set(name, [c])
        else held.push(c)
      }
      const out = copies.flatMap(
        (row) => described(row, byCopy.get(`${row.session_id}\u0000${row.subpath}`) ?? []) ?? []
      )
      return out.sort(byKey)
    })

  const remove: VaultShape["remove"] = (key) =>
    attempt("remove from", () =>
      transaction(async (client) => {
        await client.query(`DELETE FROM ${t.chunks} WHERE session_id = $1 AND subpath = $2`, [
          key.sessionId,
          key.subpath
        ])
        const gone = await client.query<CopyRow>(
          `DELETE FROM ${t.copies} WHERE session_id = $1 AND subpath = $2 RETURNING length`,
          [key.sessionId, key.subpath]
        )
        return gone.rows.some((row) => Number(row.length) > 0)
      })
    )

  const claim: VaultShape["claim"] = (key, holder, ttlMs) =>
    attempt("claim", () =>
      transaction(async (client) => {
        await client.query(
          `INSERT INTO ${t.claims} (session_id, subpath, holder_id, holder_host, holder_what, until)
           VALUES ($1, $2, '', '', '', 0) ON CONFLICT DO NOTHING`,
          [key.sessionId, key.subpath]
        )
        const row = (
          await client.query<{ holder_id: string; holder_host: string; holder_what: string; until: string }>(
            `SELECT holder_id, holder_host, holder_what, until FROM ${t.claims}
             WHERE session_id = $1 AND subpath = $2 FOR UPDATE`,
            [key.sessionId, key.subpath]
          )
        ).rows[0]
        const current =
          row === undefined || row.holder_id === ""
            ? undefined
            : { by: { id: row.holder_id, host: row.holder_host, what: row.holder_what }, until: Number(row.until) }
        const outcome = claimVerdict(current, holder, now(), ttlMs)
        if (outcome._tag === "Granted")
          await client.query(
            `UPDATE ${t.claims} SET holder_id = $3, holder_host = $4, holder_what = $5, until = $6
             WHERE session_id = $1 AND subpath = $2`,
            [key.sessionId, key.subpath, holder.id, holder.host, holder.what, outcome.until]
          )
        return outcome
      })
    )

  const release: VaultShape["release"] = (key, holderId) =>
    attempt("release the claim on", async () => {
      await pool.query(`DELETE FROM ${t.claims} WHERE session_id = $1 AND subpath = $2 AND holder_id = $3`, [
        key.sessionId,
        key.subpath,
        holderId
      ])
    })

  const putSummary: VaultShape["putSummary"] = (key, expected, summary) =>
    attempt("keep a summary in", async () => {
      const kept = await pool.query(
        `UPDATE ${t.copies} SET summary_mtime = $3, summary = $4
         WHERE session_id = $1 AND subpath = $2 AND length > 0 AND summary_mtime IS NOT DISTINCT FROM $5`,
        [key.sessionId, key.subpath, summary.mtime, JSON.stringify(summary.data), expected ?? null]
      )
      return (kept.rowCount ?? 0) > 0
    })

  const summaryRow = (row: { summary_mtime: string | null; summary: string | null }): CopySummary | undefined => {
    if (row.summary_mtime === null || row.summary === null) return undefined
    const data: unknown = JSON.parse(row.summary)
    return typeof data === "object" && data !== null && !Array.isArray(data)
      ? { mtime: Number(row.summary_mtime), data: data as Record<string, unknown> }
      : undefined
  }

  const summaryOf: VaultShape["summaryOf"] = (key) =>
    attempt("read a summary in", async () => {
      const row = (
        await pool.query<{ summary_mtime: string | null; summary: string | null }>(
          `SELECT summary_mtime, summary FROM ${t.copies} WHERE session_id = $1 AND subpath = $2 AND length > 0`,
          [key.sessionId, key.subpath]
        )
      ).rows[0]
      return row === undefined ? undefined : summaryRow(row)
    })

  const summaries: VaultShape["summaries"] = (projectKey) =>
    attempt("read the summaries in", async () => {
      const rows = (
        await pool.query<{ session_id: string; subpath: string; summary_mtime: string | null; summary: string | null }>(
          `SELECT session_id, subpath, summary_mtime, summary FROM ${t.copies}
           WHERE project_key = $1 AND subpath = '' AND length > 0 AND summary IS NOT NULL`,
          [projectKey]
        )
      ).rows
      return rows
        .flatMap((row) => {
          const key = transcriptKeyOf(row.session_id, row.subpath)
          const summary = summaryRow(row)
          return key === undefined || summary === undefined ? [] : [{ key, ...summary }]
        })
        .sort(byKey)
    })

  return {
    kind: "postgres",
    putSummary,
    summaryOf,
    summaries,
    claim,
    release,
    location,
    push,
    describe,
    readChunk,
    list,
    remove,
    close: () => pool.end()
  }
}
