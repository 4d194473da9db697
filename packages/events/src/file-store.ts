import { closeSync, openSync, readFileSync } from "node:fs"
import { join } from "node:path"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import { encodeEventLine } from "./codec.js"
import { ensureDirectory, writeFileAtomicSync } from "./dirs.js"
import { errnoCode } from "./errno.js"
import { type StoreError, StoreLockTimeout, StorePermissionError, storeErrorFromCause } from "./errors.js"
import { decodeFoldSnapshot, encodeFoldSnapshot, type FoldSnapshot } from "./fold-state.js"
import { acquireLock, type LockOptions } from "./lock.js"
import { appendAll, canRead, ensureFile, fstatSize, repairTornTail } from "./log-file.js"
import { type FileItem, itemsFrom, readSessionsIndexed, readTail } from "./log-read.js"
import type { SessionEvent } from "./schema.js"
import { IndexFileText, logStillHolds, SESSION_INDEX_FILE } from "./session-index.js"
import {
  type AppendResult,
  EventStore,
  type EventStoreShape,
  type LogItem,
  type ReadOptions,
  type ReadResult,
  type SessionQuery,
  type SnapshotShelf,
  type TailOptions,
  type TornTailRepaired
} from "./store.js"
import { defaultStoreDir, storeLayout } from "./store-layout.js"

export interface FileStoreOptions {
  /** The store directory; default `$CC_SESSIONS_HOME`, then `~/.channelcoder`. */
  readonly dir?: string
  readonly lock?: LockOptions
  /** fdatasync after every append (default true): an append that returned survives a crash. */
  readonly durable?: boolean
}

const ensureDir = (dir: string): void => {
  ensureDirectory(dir)
}

const sleep = (ms: number) => Effect.promise(() => new Promise<void>((resolve) => setTimeout(resolve, ms)))

/** Opens (creating if needed) the file store: one append-only JSONL file in a directory. */
export const makeFileStore = (options: FileStoreOptions = {}): Effect.Effect<EventStoreShape, StoreError> =>
  Effect.gen(function* () {
    const dir = options.dir ?? defaultStoreDir()
    const layout = storeLayout(dir)
    const path = layout.events
    const lockPath = `${path}.lock`
    const quarantinePath = layout.quarantine
    const durable = options.durable ?? true
    const repairs: Array<TornTailRepaired> = []

    const io = <A>(operation: string, f: () => A): Effect.Effect<A, StoreError> =>
      Effect.try({ try: f, catch: (cause) => storeErrorFromCause(cause, path, operation) })

    const acquire = Effect.tryPromise({
      try: () => acquireLock(lockPath, options.lock),
      catch: (cause) => storeErrorFromCause(cause, lockPath, "lock")
    }).pipe(
      Effect.flatMap((lock) =>
        lock._tag === "Acquired"
          ? Effect.succeed(lock)
          : Effect.fail(
              new StoreLockTimeout({
                path: lockPath,
                waitedMs: lock.waitedMs,
                ...(lock.holder === undefined ? {} : { holder: lock.holder }),
                message: `the event log ${path} stayed locked for ${lock.waitedMs} ms${lock.holder === undefined ? "" : ` by pid ${lock.holder}`}, ${lock.queuedAhead} appends still queued ahead`
              })
            )
      )
    )

    const withLock = <A>(operation: string, f: () => A): Effect.Effect<A, StoreError> =>
      Effect.acquireUseRelease(
        acquire,
        () => io(operation, f),
        (lock) => Effect.sync(() => lock.release())
      )

    const repair = (): void => {
      const repaired = repairTornTail(path, quarantinePath)
      if (repaired !== undefined) repairs.push(repaired)
    }

    // A store we may read but not write (a read-only mount, another user's files) still
    // answers reads; its appends fail with StorePermissionError and leave it untouched.
    const readOnly = yield* io("create", () => {
      try {
        ensureDir(dir)
        ensureFile(path)
        return false
      } catch (error) {
        const code = errnoCode(error)
        if ((code === "EACCES" || code === "EPERM" || code === "EROFS") && canRead(path)) return true
        throw error
      }
    })
    if (!readOnly) yield* withLock("repair", repair)

    const append = (events: ReadonlyArray<SessionEvent>): Effect.Effect<AppendResult, StoreError> => {
      if (readOnly && events.length > 0) {
        return Effect.fail(
          new StorePermissionError({
            path,
            operation: "append to",
            code: "EACCES",
            message: `the event log ${path} is read-only here: cannot append`
          })
        )
      }
      if (events.length === 0) {
        return io("stat", () => {
          const size = fstatSize(path)
          return { from: size, to: size, count: 0 }
        })
      }
      const data = Buffer.from(`${events.map(encodeEventLine).join("\n")}\n`, "utf8")
      return withLock("append to", () => {
        repair()
        return { ...appendAll(path, data, durable), count: events.length }
      })
    }

    const stream = (readOptions: ReadOptions = {}): Stream.Stream<LogItem, StoreError> =>
      Stream.fromAsyncIterable(itemsFrom(path, readOptions.from ?? 0), (cause) =>
        storeErrorFromCause(cause, path, "read")
      ).pipe(
        Stream.filter((item): item is Exclude<FileItem, { _tag: "End" }> => item._tag !== "End"),
        Stream.map((item): LogItem => (item._tag === "Event" ? { _tag: "Event", stored: item.stored } : item))
      )

    const read = (readOptions: ReadOptions = {}): Effect.Effect<ReadResult, StoreError> =>
      Effect.tryPromise({
        try: async () => {
          const { events, diagnostics, nextOffset } = await readTail(path, readOptions.from ?? 0)
          return { events: events.map(({ event, offset }) => ({ event, offset })), diagnostics, nextOffset }
        },
        catch: (cause) => storeErrorFromCause(cause, path, "read")
      })

    const indexFile = new IndexFileText(join(dir, SESSION_INDEX_FILE))
    const readSessions = (query: SessionQuery): Effect.Effect<ReadResult, StoreError> =>
      Effect.tryPromise({
        try: () => readSessionsIndexed(path, indexFile, query, !readOnly),
        catch: (cause) => storeErrorFromCause(cause, path, "read")
      })

    const tail = (tailOptions: TailOptions = {}): Stream.Stream<LogItem, StoreError> => {
      const pollMs = tailOptions.pollMs ?? 100
      return Stream.paginate(tailOptions.from ?? 0, (offset: number) =>
        Effect.gen(function* () {
          const result = yield* read({ from: offset })
          if (result.events.length === 0 && result.diagnostics.length === 0) yield* sleep(pollMs)
          const items: Array<LogItem> = [
            ...result.diagnostics.map((diagnostic) => ({ _tag: "Diagnostic" as const, diagnostic })),
            ...result.events.map((stored) => ({ _tag: "Event" as const, stored }))
          ].sort((a, b) => itemOffset(a) - itemOffset(b))
          return [items, Option.some(result.nextOffset)] as const
        })
      )
    }

    const snapshotPath = layout.snapshot
    const snapshots: SnapshotShelf = {
      load: () => io("read the fold snapshot of", () => loadSnapshot(snapshotPath, path)),
      save: (snapshot) =>
        readOnly
          ? Effect.fail(
              new StorePermissionError({
                path: snapshotPath,
                operation: "write",
                code: "EACCES",
                message: `the store ${dir} is read-only here: no fold snapshot kept`
              })
            )
          : // written whole, then renamed over the old one: a reader sees one or the other
            io("keep the fold snapshot of", () => writeFileAtomicSync(snapshotPath, encodeFoldSnapshot(snapshot)))
    }

    return {
      kind: "file",
      location: path,
      append,
      read,
      readSessions,
      stream,
      tail,
      repairs: () => [...repairs],
      snapshots
    } satisfies EventStoreShape
  })

/**
 * The snapshot beside the log, if it checks out against it: the log is at least as long as the
 * snapshot covers, and the line at its last event's offset is still that event (a log replaced,
 * or cut back by hand, makes it another log's).
 */
const loadSnapshot = (snapshotPath: string, logPath: string): FoldSnapshot | undefined => {
  let text: string
  try {
    text = readFileSync(snapshotPath, "utf8")
  } catch (error) {
    if (errnoCode(error) === "ENOENT") return undefined
    throw error
  }
  const decoded = decodeFoldSnapshot(text)
  if (decoded._tag === "Refused") return undefined
  const { last, nextOffset } = decoded.snapshot
  if (last === null) return nextOffset === 0 ? decoded.snapshot : undefined
  const fd = openSync(logPath, "r")
  try {
    return logStillHolds(fd, last.offset, last.id, nextOffset) ? decoded.snapshot : undefined
  } finally {
    closeSync(fd)
  }
}

const itemOffset = (item: LogItem): number => (item._tag === "Event" ? item.stored.offset : item.diagnostic.offset)

/** The file store as a layer for the `EventStore` service. */
export const fileStoreLayer = (options: FileStoreOptions = {}): Layer.Layer<EventStore, StoreError> =>
  Layer.effect(
    EventStore,
    Effect.map(makeFileStore(options), (shape) => EventStore.of(shape))
  )
