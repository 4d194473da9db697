/**
 * The cc-sessions event store on PostgreSQL.
 *
 * - One table, `cc_sessions_events`: a global position (`bigserial`), the event id (unique:
 *   appends are idempotent by id), the session, the type, and the event's own JSON line (the
 *   file store's line, decoded by the same codec, so an unknown future event round-trips).
 * - An append is one transaction holding a transaction-level advisory lock: appends take their
 *   positions in the order they commit, so a reader that read up to position N never misses an
 *   event committed later below N. PostgreSQL queues the lock's waiters in order.
 * - `tail` is live through LISTEN/NOTIFY (the append notifies in its transaction), with a poll
 *   as a fallback for a lost connection or a missed notification.
 * - The schema (`schema.ts`) is created on first use and versioned (`cc_sessions_meta`); a
 *   database of a newer schema version is refused with a clear error, never written.
 * - Reads come a page of 10,000 events at a time as one text, the next page asked for while
 *   this one is decoded. Fold snapshots (`cc_sessions_snapshots`) let a new reader skip the
 *   replay; an index of Claude ids, filled by a trigger, answers `readSessions` by Claude id.
 * - Transient errors (a server restarting, a dropped connection) are retried with backoff, then
 *   reported as a typed `StoreIOError`.
 */
import {
  decodeEventLine,
  decodeFoldSnapshot,
  EventStore,
  type EventStoreShape,
  encodeEventLine,
  encodeFoldSnapshot,
  FOLD_VERSION,
  isStoreError,
  type LogItem,
  type ReadOptions,
  type ReadResult,
  type SessionEvent,
  type SessionQuery,
  type SnapshotShelf,
  type StoreDiagnostic,
  type StoredEvent,
  type StoreError,
  StoreIOError,
  StorePermissionError,
  type TailOptions
} from "@cc/events"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import pg from "pg"
import { codeOf } from "./pg-error.js"
import { ensureSchema, tableNames } from "./schema.js"

const NOTIFY_CHANNEL = "cc_sessions_events"
// one constant for every appender: the advisory lock that orders appends
const APPEND_LOCK = 4_107_240_611
const READ_PAGE = 10_000
const DECODE_SLICE = 250

export interface PostgresStoreOptions {
  /**
   * A `postgres://user:password@host:port/db?sslmode=require` URL. Without one, the standard
   * `PG*` variables (`PGHOST`, `PGUSER`, `PGDATABASE`, …) are used, as `psql` would.
   */
  readonly url?: string
  /** The table name prefix (default `cc_sessions`): several logs can share one database. */
  readonly prefix?: string
  /** Attempts for an operation that fails transiently (default 6, backing off 100 ms → 3 s). */
  readonly attempts?: number
  /**
   * Attempts for the first connection (default `attempts`). A command a person waits on sets 1:
   * a server that refuses is said at once, not after seconds of back-off.
   */
  readonly openAttempts?: number
  /** Connections kept open (default 4). */
  readonly poolSize?: number
}

const TRANSIENT_CODES = new Set([
  "57P01", // admin_shutdown
  "57P02", // crash_shutdown
  "57P03", // cannot_connect_now (starting up)
  "40001", // serialization_failure
  "40P01", // deadlock_detected
  "53300", // too_many_connections
  "08000",
  "08003",
  "08006",
  "08001",
  "08004"
])
const TRANSIENT_NODE_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "EPIPE", "ETIMEDOUT", "EHOSTUNREACH", "ENOTFOUND"])
const PERMISSION_CODES = new Set(["42501", "28000", "28P01"])

const isTransient = (error: unknown): boolean => {
  const code = codeOf(error)
  if (code !== undefined) return TRANSIENT_CODES.has(code) || TRANSIENT_NODE_CODES.has(code)
  const message = error instanceof Error ? error.message : String(error)
  return /Connection terminated|connection ended|terminating connection|Client has encountered a connection error/i.test(
    message
  )
}

/** The URL without its password, for messages and `location`. */
export const redactUrl = (url: string | undefined): string => {
  if (url === undefined) return "postgres (PG* environment)"
  try {
    const parsed = new URL(url)
    if (parsed.password !== "") parsed.password = "***"
    return parsed.toString()
  } catch {
    return "postgres (unparsable URL)"
  }
}

const storeError = (cause: unknown, location: string, operation: string): StoreError => {
  const code = codeOf(cause)
  const detail = cause instanceof Error ? cause.message : String(cause)
  if (code !== undefined && PERMISSION_CODES.has(code)) {
    return new StorePermissionError({
      path: location,
      operation,
      code,
      message: `no permission to ${operation} ${location} (${code}): ${detail}`
    })
  }
  return new StoreIOError({
    path: location,
    operation,
    ...(code === undefined ? {} : { code }),
    message: `could not ${operation} ${location}: ${detail}`
  })
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

/** A page of the log as read: each stored line with its position, and the last position. */
interface Page {
  readonly rows: ReadonlyArray<{ readonly position: number; readonly line: string }>
  readonly last: number
}

const validPrefix = /^[a-z_][a-z0-9_]{0,40}$/

/** A PostgreSQL event store, opened (its schema created or checked) and ready. */
export interface PostgresEventStore extends EventStoreShape {
  /** Closes its connections; the store cannot be used after. */
  readonly close: () => Promise<void>
}

export const makePostgresStore = (options: PostgresStoreOptions = {}): Effect.Effect<PostgresEventStore, StoreError> =>
  Effect.tryPromise({
    try: () => openPostgresStore(options),
    catch: (cause) => (isStoreError(cause) ? cause : storeError(cause, redactUrl(options.url), "open"))
  })

const openPostgresStore = async (options: PostgresStoreOptions): Promise<PostgresEventStore> => {
  const prefix = options.prefix ?? "cc_sessions"
  if (!validPrefix.test(prefix)) {
    throw new StoreIOError({
      path: redactUrl(options.url),
      operation: "open",
      message: `the table prefix ${JSON.stringify(prefix.slice(0, 60))} is not a plain lower-case SQL name`
    })
  }
  const names = tableNames(prefix)
  const table = names.events
  const snapshotTable = names.snapshots
  const channel = prefix === "cc_sessions" ? NOTIFY_CHANNEL : `${prefix}_events`
  const location = redactUrl(options.url)
  const attempts = options.attempts ?? 6
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

  const has = await retrying(
    "open",
    () =>
      ensureSchema({
        names,
        location,
        query: (text, values) => pool.query(text, values === undefined ? undefined : [...values]),
        transaction
      }),
    Math.max(1, options.openAttempts ?? attempts)
  ).catch(async (error: unknown) => {
    // nothing holds the pool once the open failed: its connections must not keep the process up
    await pool.end().catch(() => {})
    throw error
  })

  const append = (events: ReadonlyArray<SessionEvent>) =>
    Effect.tryPromise({
      try: () =>
        retrying("append to", () =>
          transaction(async (client) => {
            await client.query("SELECT pg_advisory_xact_lock($1)", [APPEND_LOCK])
            const end = async () => {
              const max = await client.query<{ next: string }>(
                `SELECT COALESCE(MAX(position), 0) + 1 AS next FROM ${table}`
              )
              return Number(max.rows[0]?.next ?? 1)
            }
            if (events.length === 0) {
              const next = await end()
              return { from: next, to: next, count: 0 }
            }
            const inserted = await client.query<{ position: string }>(
              `INSERT INTO ${table} (id, session, type, at, line)
               SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[])
               ON CONFLICT (id) DO NOTHING
               RETURNING position`,
              [
                events.map((e) => e.id),
                events.map((e) => e.session),
                events.map((e) => e.type),
                events.map((e) => e.at),
                events.map(encodeEventLine)
              ]
            )
            const positions = inserted.rows.map((r) => Number(r.position)).sort((a, b) => a - b)
            const last = positions.at(-1)
            if (last !== undefined) await client.query("SELECT pg_notify($1, $2)", [channel, String(last)])
            // under the lock nothing was appended after ours: the end is our last position + 1
            const next = last === undefined ? await end() : last + 1
            // events already there (the same id appended before) add nothing: count says how many did
            return { from: positions[0] ?? next, to: next, count: positions.length }
          })
        ),
      catch: (cause) => (isStoreError(cause) ? cause : storeError(cause, location, "append to"))
    })

  /**
   * One page of the log as the server sends it. The page comes as one text (each line its
   * position, a space, the stored line, then a newline) rather than a row per event: a million
   * rows parsed one by one cost the reader more than the events themselves. A stored line never
   * holds a newline (JSON escapes it); a page whose count says otherwise (a row written around
   * this package) is read again row by row.
   */
  const fetchPage = (from: number): Promise<Page> =>
    retrying("read", async () => {
      const result = await pool.query<{ n: number; last: string | null; text: string | null }>(
        `SELECT count(*)::int AS n, max(position) AS last,
                string_agg(position::text || ' ' || line, E'\\n' ORDER BY position) AS text
         FROM (SELECT position, line FROM ${table} WHERE position >= $1 ORDER BY position LIMIT $2) page`,
        [from, READ_PAGE]
      )
      const row = result.rows[0]
      if (row === undefined || row.n === 0 || row.text === null || row.last === null)
        return { rows: [], last: from - 1 }
      const rows: Array<{ position: number; line: string }> = []
      let start = 0
      while (start < row.text.length) {
        let end = row.text.indexOf("\n", start)
        if (end === -1) end = row.text.length
        const space = row.text.indexOf(" ", start)
        rows.push({ position: Number(row.text.slice(start, space)), line: row.text.slice(space + 1, end) })
        start = end + 1
      }
      if (rows.length === row.n) return { rows, last: Number(row.last) }
      const plain = await pool.query<{ position: string; line: string }>(
        `SELECT position, line FROM ${table} WHERE position >= $1 ORDER BY position LIMIT $2`,
        [from, READ_PAGE]
      )
      return { rows: plain.rows.map((r) => ({ position: Number(r.position), line: r.line })), last: Number(row.last) }
    })

  const decodePage = (rows: ReadonlyArray<{ position: number; line: string }>): Array<LogItem> => {
    const items: Array<LogItem> = []
    for (const { position, line } of rows) {
      const decoded = decodeEventLine(line)
      if (decoded._tag === "Event") items.push({ _tag: "Event", stored: { event: decoded.event, offset: position } })
      else
        items.push({
          _tag: "Diagnostic",
          diagnostic: { _tag: "SkippedLine", offset: position, length: line.length, reason: decoded.reason }
        })
    }
    return items
  }

  /**
   * Decodes a page, letting the event loop run every few hundred lines: the next page is on its
   * way, and a socket left undrained while a whole page is decoded stalls the server's send.
   */
  const decodeWhileReading = async (rows: Page["rows"]): Promise<Array<LogItem>> => {
    const items: Array<LogItem> = []
    for (let i = 0; i < rows.length; i += DECODE_SLICE) {
      if (i > 0) await new Promise((resolve) => setImmediate(resolve))
      for (const item of decodePage(rows.slice(i, i + DECODE_SLICE))) items.push(item)
    }
    return items
  }

  const page = async (from: number): Promise<{ items: Array<LogItem>; next: number; full: boolean }> => {
    const { rows, last } = await fetchPage(from)
    return { items: decodePage(rows), next: last + 1, full: rows.length === READ_PAGE }
  }

  // the sessions whose events name one of the Claude ids $1 (`claudeIdsOf`), up to position $2:
  // from the index a trigger fills, or, where it could not be made, from the stored lines
  const indexedMentions = `SELECT DISTINCT session FROM ${names.claudeIds} WHERE claude_id = ANY($1::text[]) AND position <= $2`
  let scannedMentions: string | undefined
  const scanned = async (): Promise<string> => {
    if (scannedMentions !== undefined) return scannedMentions
    // a stored line that is not JSON names nothing, and must not fail the scan: read through
    // the index's safe cast where it was made, else one the server has (PostgreSQL 16 on)
    const probe = await pool.query<{ fn: boolean; version: number }>(
      "SELECT to_regprocedure($1) IS NOT NULL AS fn, current_setting('server_version_num')::int AS version",
      [`${names.payloadOf}(text)`]
    )
    const row = probe.rows[0]
    const payload =
      row?.fn === true
        ? `${names.payloadOf}(line)`
        : (row?.version ?? 0) >= 160_000
          ? `(CASE WHEN pg_input_is_valid(line, 'jsonb') THEN line::jsonb -> 'payload' END)`
          : `(line::jsonb -> 'payload')`
    scannedMentions = `SELECT DISTINCT session FROM ${table}
      WHERE position <= $2 AND type IN ('claude.observed', 'run.started', 'chain.linked') AND (
        (${payload} ->> 'claudeSessionId') = ANY($1::text[])
        OR (type = 'chain.linked' AND ((${payload} ->> 'from') = ANY($1::text[])
          OR (${payload} ->> 'to') = ANY($1::text[]))))`
    return scannedMentions
  }
  let useIndex = has.claudeIds
  const sessionsMentioning = async (mentioning: ReadonlyArray<string>, last: number): Promise<Array<string>> => {
    if (mentioning.length === 0) return []
    const select = async (sql: string) =>
      (await pool.query<{ session: string }>(sql, [mentioning, last])).rows.map((row) => row.session)
    if (useIndex) {
      try {
        return await select(indexedMentions)
      } catch (error) {
        // a role that may not read the index: the scan answers the same
        if (codeOf(error) !== "42501") throw error
        useIndex = false
      }
    }
    return select(await scanned())
  }
  const readSessions = (query: SessionQuery): Effect.Effect<ReadResult, StoreError> =>
    Effect.tryPromise({
      try: async () => {
        const rows = await retrying("read", async () => {
          // the end first: appends commit in position order, so nothing below it comes later
          const max = await pool.query<{ last: string }>(`SELECT COALESCE(MAX(position), 0) AS last FROM ${table}`)
          const last = Number(max.rows[0]?.last ?? 0)
          // the sessions first, then their events by the (session, position) index: two plain
          // queries, whose plans do not hang on the statistics of a table just filled
          const sessions = new Set(query.sessions ?? [])
          for (const session of await sessionsMentioning(query.mentioning ?? [], last)) sessions.add(session)
          const found = await pool.query<{ position: string; line: string }>(
            `SELECT position, line FROM ${table} WHERE session = ANY($1::text[]) AND position <= $2 ORDER BY position`,
            [[...sessions], last]
          )
          return { last, rows: found.rows }
        })
        const events: Array<StoredEvent> = []
        const diagnostics: Array<StoreDiagnostic> = []
        for (const row of rows.rows) {
          const position = Number(row.position)
          const decoded = decodeEventLine(row.line)
          if (decoded._tag === "Event") events.push({ event: decoded.event, offset: position })
          else
            diagnostics.push({ _tag: "SkippedLine", offset: position, length: row.line.length, reason: decoded.reason })
        }
        return { events, diagnostics, nextOffset: rows.last + 1 }
      },
      catch: (cause) => (isStoreError(cause) ? cause : storeError(cause, location, "read"))
    })

  /** A page asked for ahead: its failure is seen when it is awaited, never as an unhandled rejection. */
  const ahead = (from: number): Promise<Page> => {
    const pending = fetchPage(from)
    pending.catch(() => {})
    return pending
  }

  const stream = (readOptions: ReadOptions = {}): Stream.Stream<LogItem, StoreError> =>
    Stream.paginate(
      { pending: undefined as Promise<Page> | undefined, from: Math.max(1, readOptions.from ?? 0) },
      ({ pending, from }) =>
        Effect.tryPromise({
          try: async () => {
            const { rows, last } = await (pending ?? fetchPage(from))
            const full = rows.length === READ_PAGE
            // the server reads the next page while this one is decoded and consumed
            const next = full ? Option.some({ pending: ahead(last + 1), from: last + 1 }) : Option.none()
            return [Option.isSome(next) ? await decodeWhileReading(rows) : decodePage(rows), next] as const
          },
          catch: (cause) => (isStoreError(cause) ? cause : storeError(cause, location, "read"))
        })
    )

  // every row of a page is one item, an event or a skipped line: the last item read says where to go on
  const read = (readOptions: ReadOptions = {}): Effect.Effect<ReadResult, StoreError> =>
    Effect.suspend(() => {
      const events: Array<StoredEvent> = []
      const diagnostics: Array<StoreDiagnostic> = []
      let nextOffset = Math.max(1, readOptions.from ?? 0)
      return Stream.runForEachArray(stream(readOptions), (items) =>
        Effect.sync(() => {
          for (const item of items) {
            if (item._tag === "Event") {
              events.push(item.stored)
              nextOffset = item.stored.offset + 1
            } else {
              diagnostics.push(item.diagnostic)
              nextOffset = item.diagnostic.offset + 1
            }
          }
        })
      ).pipe(Effect.map(() => ({ events, diagnostics, nextOffset })))
    })

  /** Resolves at the next notification of an append, or after `ms`. */
  let listener: pg.Client | undefined
  let listening: Promise<void> | undefined
  const waiters = new Set<() => void>()
  const listen = (): Promise<void> => {
    listening ??= (async () => {
      const client = new pg.Client(options.url === undefined ? {} : { connectionString: options.url })
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

  const tail = (tailOptions: TailOptions = {}): Stream.Stream<LogItem, StoreError> => {
    const pollMs = tailOptions.pollMs ?? 1000
    return Stream.paginate(Math.max(1, tailOptions.from ?? 0), (offset: number) =>
      Effect.tryPromise({
        try: async () => {
          const { items, next } = await page(offset)
          if (items.length === 0) await nextAppendOr(pollMs)
          return [items, Option.some(next)] as const
        },
        catch: (cause) => (isStoreError(cause) ? cause : storeError(cause, location, "read"))
      })
    )
  }

  // the newest few per fold version: one being read while the next is written, and a spare
  const SNAPSHOTS_KEPT = 2
  const snapshots: SnapshotShelf = {
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
  }

  return {
    kind: "postgres",
    location,
    append,
    read,
    readSessions,
    stream,
    tail,
    repairs: () => [],
    ...(has.snapshots ? { snapshots } : {}),
    close: async () => {
      for (const wake of [...waiters]) wake()
      await listener?.end().catch(() => {})
      await pool.end()
    }
  }
}

/** The PostgreSQL store as a layer for the `EventStore` service (closed with the layer). */
export const postgresStoreLayer = (options: PostgresStoreOptions = {}): Layer.Layer<EventStore, StoreError> =>
  Layer.effect(
    EventStore,
    Effect.acquireRelease(makePostgresStore(options), (store) => Effect.promise(() => store.close())).pipe(
      Effect.map((store) => EventStore.of(store))
    )
  )
