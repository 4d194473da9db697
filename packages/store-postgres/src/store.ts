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
  EventStore,
  type EventStoreShape,
  encodeEventLine,
  isStoreError,
  type LogItem,
  type ReadOptions,
  type ReadResult,
  type SessionEvent,
  type SessionQuery,
  type StoreDiagnostic,
  type StoredEvent,
  type StoreError,
  StoreIOError,
  type TailOptions
} from "@cc/events"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import { openConnection } from "./connection.js"
import { appendNotifications } from "./notifications.js"
import { codeOf, redactUrl, storeError } from "./pg-error.js"
import { ensureSchema, tableNames } from "./schema.js"
import { snapshotShelf } from "./snapshots.js"

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
  const { pool, retrying, transaction } = openConnection({
    ...(options.url === undefined ? {} : { url: options.url }),
    ...(options.poolSize === undefined ? {} : { poolSize: options.poolSize }),
    attempts,
    location
  })
  const notifications = appendNotifications(options.url, channel)

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

  const tail = (tailOptions: TailOptions = {}): Stream.Stream<LogItem, StoreError> => {
    const pollMs = tailOptions.pollMs ?? 1000
    return Stream.paginate(Math.max(1, tailOptions.from ?? 0), (offset: number) =>
      Effect.tryPromise({
        try: async () => {
          const { items, next } = await page(offset)
          if (items.length === 0) await notifications.nextAppendOr(pollMs)
          return [items, Option.some(next)] as const
        },
        catch: (cause) => (isStoreError(cause) ? cause : storeError(cause, location, "read"))
      })
    )
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
    ...(has.snapshots ? { snapshots: snapshotShelf({ pool, retrying, table, snapshotTable, location }) } : {}),
    close: async () => {
      await notifications.close()
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
