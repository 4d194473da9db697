import {
  appendFileSync,
  closeSync,
  fdatasyncSync,
  fstatSync,
  ftruncateSync,
  openSync,
  readFileSync,
  readSync,
  statSync,
  writeSync
} from "node:fs"
import { join } from "node:path"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import { decodeEventLine, encodeEventLine } from "./codec.js"
import { ensureDirectory, writeFileAtomicSync } from "./dirs.js"
import { errnoCode } from "./errno.js"
import { type StoreError, StoreLockTimeout, StorePermissionError, storeErrorFromCause } from "./errors.js"
import { decodeFoldSnapshot, encodeFoldSnapshot, type FoldSnapshot } from "./fold-state.js"
import { readJsonlLines } from "./jsonl.js"
import { acquireLock, type LockOptions } from "./lock.js"
import { claudeIdsOf, type SessionEvent } from "./schema.js"
import {
  appendIndexLines,
  IndexFileText,
  type LogTail,
  logStillHolds,
  readPlaces,
  replaceIndexFile,
  SESSION_INDEX_FILE,
  SessionIndex
} from "./session-index.js"
import {
  type AppendResult,
  EventStore,
  type EventStoreShape,
  type LogItem,
  type ReadOptions,
  type ReadResult,
  type SessionQuery,
  type SnapshotShelf,
  type StoreDiagnostic,
  type StoredEvent,
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

const ensureFile = (path: string): void => {
  const fd = openSync(path, "a", 0o600)
  closeSync(fd)
}

/**
 * Moves a partial last line (a writer killed mid-append) into the quarantine file and cuts it
 * from the log, so the next append never glues a new event onto garbage. Must run under the
 * append lock: only then is a missing final newline certainly a crash, not a write in flight.
 */
const repairTornTail = (path: string, quarantinePath: string): TornTailRepaired | undefined => {
  const fd = openSync(path, "r+")
  try {
    const size = fstatSync(fd).size
    if (size === 0) return undefined
    const last = Buffer.alloc(1)
    readSync(fd, last, 0, 1, size - 1)
    if (last[0] === 0x0a) return undefined
    // walk back to the previous newline in bounded chunks
    const chunk = Buffer.allocUnsafe(64 * 1024)
    let end = size
    let lineStart = 0
    while (end > 0) {
      const start = Math.max(0, end - chunk.length)
      const n = readSync(fd, chunk, 0, end - start, start)
      const nl = chunk.subarray(0, n).lastIndexOf(0x0a)
      if (nl !== -1) {
        lineStart = start + nl + 1
        break
      }
      end = start
    }
    const length = size - lineStart
    const torn = Buffer.allocUnsafe(length)
    readSync(fd, torn, 0, length, lineStart)
    const record = `${JSON.stringify({ at: new Date().toISOString(), offset: lineStart, length, base64: torn.toString("base64") })}\n`
    appendFileSync(quarantinePath, record, { mode: 0o600 })
    ftruncateSync(fd, lineStart)
    fdatasyncSync(fd)
    return { _tag: "TornTailRepaired", offset: lineStart, length, quarantine: quarantinePath }
  } finally {
    closeSync(fd)
  }
}

/** Writes the whole buffer; on failure cuts the file back so no partial event stays behind. */
const appendAll = (path: string, data: Buffer, durable: boolean): { from: number; to: number } => {
  const fd = openSync(path, "a", 0o600)
  try {
    const from = fstatSync(fd).size
    let written = 0
    try {
      while (written < data.length) written += writeSync(fd, data, written, data.length - written)
      if (durable) fdatasyncSync(fd)
    } catch (error) {
      try {
        ftruncateSync(fd, from)
      } catch {
        // the log is repaired on the next open or append (torn-tail repair)
      }
      throw error
    }
    return { from, to: from + data.length }
  } finally {
    closeSync(fd)
  }
}

const sleep = (ms: number) => Effect.promise(() => new Promise<void>((resolve) => setTimeout(resolve, ms)))

type FileItem =
  | { readonly _tag: "Event"; readonly stored: StoredEvent; readonly length: number }
  | Extract<LogItem, { _tag: "Diagnostic" }>
  | { readonly _tag: "End"; readonly next: number }

const itemsFrom = async function* (path: string, from: number): AsyncGenerator<FileItem> {
  for await (const item of readJsonlLines(path, { from })) {
    switch (item._tag) {
      case "Line": {
        if (item.text.trim() === "") continue
        const decoded = decodeEventLine(item.text)
        if (decoded._tag === "Event") {
          yield { _tag: "Event", stored: { event: decoded.event, offset: item.offset }, length: item.length }
        } else {
          yield {
            _tag: "Diagnostic",
            diagnostic: { _tag: "SkippedLine", offset: item.offset, length: item.length, reason: decoded.reason }
          }
        }
        break
      }
      case "Oversized":
        yield {
          _tag: "Diagnostic",
          diagnostic: { _tag: "SkippedLine", offset: item.offset, length: item.length, reason: "line too long" }
        }
        break
      case "End":
        yield { _tag: "End", next: item.nextOffset }
    }
  }
}

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

const readTail = async (path: string, from: number): Promise<LogTail> => {
  // nothing past `from` (a caller keeping up with the log, the usual case): one stat, no read
  if (statSync(path).size <= from) return { events: [], diagnostics: [], nextOffset: from }
  const events: Array<StoredEvent & { readonly length: number }> = []
  const diagnostics: Array<StoreDiagnostic> = []
  let nextOffset = from
  for await (const item of itemsFrom(path, from)) {
    if (item._tag === "Event") events.push({ ...item.stored, length: item.length })
    else if (item._tag === "Diagnostic") diagnostics.push(item.diagnostic)
    else nextOffset = item.next
  }
  return { events, diagnostics, nextOffset }
}

/**
 * The events of the sessions a query names, from the session index: the log after the index's
 * mark is read (and indexed), the rest only where the index points. An index that turns out
 * not to match the log is rebuilt from a whole read, so the answer never depends on it.
 */
const readSessionsIndexed = async (
  path: string,
  indexFile: IndexFileText,
  query: SessionQuery,
  writable: boolean
): Promise<ReadResult> => {
  const indexPath = indexFile.path
  const fd = openSync(path, "r")
  try {
    const wanted = new Set<string>(query.sessions ?? [])
    const mentioned = new Set<string>(query.mentioning ?? [])
    const loaded = SessionIndex.of(indexFile.read(), fd)
    if (loaded !== undefined) {
      const answer = await answerFrom(loaded, fd, path, indexPath, wanted, mentioned, writable)
      if (answer !== undefined) return answer
    }
    // no index, or one that is not this log's: read the log whole, and index it afresh
    return (await answerFrom(SessionIndex.empty(), fd, path, indexPath, wanted, mentioned, writable)) as ReadResult
  } finally {
    closeSync(fd)
  }
}

/** The answer from `index` and the log after its mark; undefined if the index proves wrong. */
const answerFrom = async (
  index: SessionIndex,
  fd: number,
  path: string,
  indexPath: string,
  sessions: ReadonlySet<string>,
  mentioned: ReadonlySet<string>,
  writable: boolean
): Promise<ReadResult | undefined> => {
  // (nothing appended since the mark, the common case, is one stat in readTail)
  const tail = await readTail(path, index.mark.next)
  const wanted = new Set(sessions)
  for (const session of index.sessionsMentioning(mentioned)) wanted.add(session)
  for (const { event } of tail.events) if (claudeIdsOf(event).some((id) => mentioned.has(id))) wanted.add(event.session)
  const events: Array<StoredEvent> = []
  for (const session of wanted) {
    const found = readPlaces(fd, session, index.placesOf(session))
    if (found.failed) return undefined
    events.push(...found.events)
  }
  const skipped = index.skippedLines(fd)
  if (skipped === undefined) return undefined
  if (writable) {
    const added = index.linesFor(tail)
    if (index.mark.next === 0) replaceIndexFile(indexPath, added)
    else if (tail.nextOffset !== index.mark.next) appendIndexLines(indexPath, added)
  }
  for (const stored of tail.events)
    if (wanted.has(stored.event.session)) events.push({ event: stored.event, offset: stored.offset })
  return {
    events: events.sort((a, b) => a.offset - b.offset),
    diagnostics: [...skipped, ...tail.diagnostics],
    nextOffset: tail.nextOffset
  }
}

const canRead = (path: string): boolean => {
  try {
    closeSync(openSync(path, "r"))
    return true
  } catch {
    return false
  }
}

const itemOffset = (item: LogItem): number => (item._tag === "Event" ? item.stored.offset : item.diagnostic.offset)

const fstatSize = (path: string): number => {
  const fd = openSync(path, "r")
  try {
    return fstatSync(fd).size
  } finally {
    closeSync(fd)
  }
}

/** The file store as a layer for the `EventStore` service. */
export const fileStoreLayer = (options: FileStoreOptions = {}): Layer.Layer<EventStore, StoreError> =>
  Layer.effect(
    EventStore,
    Effect.map(makeFileStore(options), (shape) => EventStore.of(shape))
  )
