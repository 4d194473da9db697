/**
 * The tables of a PostgreSQL event log, created on first use and added to on open.
 *
 * Version 1 is the events table and the meta table. What came after it came as additions an
 * older reader never looks at (so a fleet may upgrade one machine at a time, and the version
 * stays 1): the fold snapshots, and the index of the Claude ids each event names. An addition
 * is made on open by a role that may create it, under the creators' lock; a role that may not
 * works without it (a reader without the Claude id index scans the stored lines instead).
 */
import { StoreIOError } from "@cc/events"
import type pg from "pg"
import { codeOf } from "./pg-error.js"

export const SCHEMA_VERSION = 1
// one constant for every creator: two first users must not race on CREATE TABLE
export const CREATE_LOCK = 4_107_240_612

export interface TableNames {
  readonly events: string
  readonly meta: string
  readonly snapshots: string
  readonly claudeIds: string
  /** The payload of a stored line, or null for a line that is not JSON (never an error). */
  readonly payloadOf: string
}

export const tableNames = (prefix: string): TableNames => ({
  events: `${prefix}_events`,
  meta: `${prefix}_meta`,
  snapshots: `${prefix}_snapshots`,
  claudeIds: `${prefix}_claude_ids`,
  payloadOf: `${prefix}_payload_of`
})

export interface SchemaHas {
  readonly snapshots: boolean
  readonly claudeIds: boolean
}

type Transaction = <A>(f: (client: pg.PoolClient) => Promise<A>) => Promise<A>

const createEvents = (t: TableNames) => `
  CREATE TABLE IF NOT EXISTS ${t.events} (
    position bigserial PRIMARY KEY,
    id text NOT NULL UNIQUE,
    session text NOT NULL,
    type text NOT NULL,
    at text NOT NULL,
    line text NOT NULL
  );
  CREATE INDEX IF NOT EXISTS ${t.events}_session ON ${t.events} (session, position)`

const createSnapshots = (t: TableNames) => `
  CREATE TABLE IF NOT EXISTS ${t.snapshots} (
    fold_version integer NOT NULL,
    next_offset bigint NOT NULL,
    saved_at timestamptz NOT NULL DEFAULT now(),
    body text NOT NULL,
    PRIMARY KEY (fold_version, next_offset)
  )`

/**
 * The Claude ids each event names (`claudeIdsOf` of @cc/events: a `claude.observed` or
 * `run.started` event's `claudeSessionId`, a `chain.linked` event's `from` and `to`), filled by
 * a trigger, so that every writer fills it, whatever its version. The trigger runs as the
 * table's owner: a writer needs no right on it. Created with the trigger and filled from the
 * rows already there in one transaction; creating the trigger locks out inserts until then, so
 * no row is missed.
 */
const createClaudeIds = (t: TableNames) => `
  CREATE TABLE ${t.claudeIds} (
    claude_id text NOT NULL,
    session text NOT NULL,
    position bigint NOT NULL
  );
  CREATE INDEX ${t.claudeIds}_id ON ${t.claudeIds} (claude_id, position);
  CREATE OR REPLACE FUNCTION ${t.payloadOf}(line text) RETURNS jsonb
    LANGUAGE plpgsql IMMUTABLE AS $$
    BEGIN
      RETURN line::jsonb -> 'payload';
    EXCEPTION WHEN others THEN
      RETURN NULL;
    END $$;
  CREATE OR REPLACE FUNCTION ${t.claudeIds}_fill() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
    DECLARE
      p jsonb;
    BEGIN
      IF NEW.type NOT IN ('claude.observed', 'run.started', 'chain.linked') THEN
        RETURN NULL;
      END IF;
      p := ${t.payloadOf}(NEW.line);
      INSERT INTO ${t.claudeIds} (claude_id, session, position)
        SELECT DISTINCT id, NEW.session, NEW.position
        FROM unnest(ARRAY[
          CASE WHEN jsonb_typeof(p) = 'object' THEN p ->> 'claudeSessionId' END,
          CASE WHEN NEW.type = 'chain.linked' AND jsonb_typeof(p) = 'object' THEN p ->> 'from' END,
          CASE WHEN NEW.type = 'chain.linked' AND jsonb_typeof(p) = 'object' THEN p ->> 'to' END
        ]) AS id
        WHERE id IS NOT NULL;
      RETURN NULL;
    END $$;
  CREATE TRIGGER ${t.claudeIds}_fill AFTER INSERT ON ${t.events}
    FOR EACH ROW EXECUTE FUNCTION ${t.claudeIds}_fill();
  INSERT INTO ${t.claudeIds} (claude_id, session, position)
    SELECT DISTINCT ids.id, e.session, e.position
    FROM (SELECT session, position, type, ${t.payloadOf}(line) AS p FROM ${t.events}
          WHERE type IN ('claude.observed', 'run.started', 'chain.linked')) e,
    LATERAL unnest(ARRAY[
      CASE WHEN jsonb_typeof(e.p) = 'object' THEN e.p ->> 'claudeSessionId' END,
      CASE WHEN e.type = 'chain.linked' AND jsonb_typeof(e.p) = 'object' THEN e.p ->> 'from' END,
      CASE WHEN e.type = 'chain.linked' AND jsonb_typeof(e.p) = 'object' THEN e.p ->> 'to' END
    ]) AS ids(id)
    WHERE ids.id IS NOT NULL`

/**
 * Makes sure the log's tables are there: creates version 1 on first use (refusing a database
 * of a newer version), then adds what this role may add. Says which additions it can use.
 */
export const ensureSchema = async (options: {
  readonly names: TableNames
  readonly location: string
  readonly query: <R extends pg.QueryResultRow>(
    text: string,
    values?: ReadonlyArray<unknown>
  ) => Promise<pg.QueryResult<R>>
  readonly transaction: Transaction
}): Promise<SchemaHas> => {
  const { names: t, location, query, transaction } = options
  const refuseNewer = (found: number | undefined) => {
    if (found !== undefined && found > SCHEMA_VERSION) {
      throw new StoreIOError({
        path: location,
        operation: "open",
        message: `${location} holds schema version ${found}; this @cc/store-postgres knows ${SCHEMA_VERSION}: upgrade it`
      })
    }
  }
  const present = async (q: typeof query) => {
    const found = await q<{ meta: string | null; events: string | null; snapshots: string | null; ids: string | null }>(
      `SELECT to_regclass($1)::text AS meta, to_regclass($2)::text AS events,
              to_regclass($3)::text AS snapshots, to_regclass($4)::text AS ids`,
      [t.meta, t.events, t.snapshots, t.claudeIds]
    )
    const row = found.rows[0]
    const made = row?.meta != null && row.events != null
    const version = made ? (await q<{ version: number }>(`SELECT version FROM ${t.meta}`)).rows[0]?.version : undefined
    return { version, snapshots: row?.snapshots != null, claudeIds: row?.ids != null }
  }

  // a role without CREATE uses a schema made before it: nothing is created when all is there
  const before = await present(query)
  refuseNewer(before.version)
  if (before.version !== undefined && before.snapshots && before.claudeIds) return before

  if (before.version === undefined) {
    await transaction(async (client) => {
      await client.query("SELECT pg_advisory_xact_lock($1)", [CREATE_LOCK])
      await client.query(`CREATE TABLE IF NOT EXISTS ${t.meta} (version integer NOT NULL)`)
      const found = (await client.query<{ version: number }>(`SELECT version FROM ${t.meta}`)).rows[0]?.version
      refuseNewer(found)
      await client.query(createEvents(t))
      if (found === undefined) await client.query(`INSERT INTO ${t.meta} (version) VALUES ($1)`, [SCHEMA_VERSION])
    })
  }
  // each addition in its own transaction: one this role may not make leaves the others
  const add = async (sql: string, exists: (has: SchemaHas) => boolean): Promise<boolean> => {
    try {
      return await transaction(async (client) => {
        await client.query("SELECT pg_advisory_xact_lock($1)", [CREATE_LOCK])
        // another opener may have made it while this one waited for the lock. Locking the events
        // table makes this transaction see the catalog as it is now (an advisory lock does not),
        // and keeps inserts out while a trigger and its backfill are made
        await client.query(`LOCK TABLE ${t.events} IN SHARE ROW EXCLUSIVE MODE`)
        const again = await present((text, values) =>
          client.query(text, values === undefined ? undefined : [...values])
        )
        if (!exists(again)) await client.query(sql)
        return true
      })
    } catch (error) {
      // (the transaction throws the server's own error: a role without the right is 42501)
      if (codeOf(error) === "42501") return false
      throw error
    }
  }
  return {
    snapshots: before.snapshots || (await add(createSnapshots(t), (has) => has.snapshots)),
    claudeIds: before.claudeIds || (await add(createClaudeIds(t), (has) => has.claudeIds))
  }
}
