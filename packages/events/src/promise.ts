/**
 * The plain Promise API, for tools that don't use Effect. Errors reject with the same typed
 * error classes (`StoreIOError`, `StorePermissionError`, `StoreLockTimeout`, `InvalidEvent`).
 */
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Stream from "effect/Stream"
import { type FileStoreOptions, makeFileStore } from "./file-store.js"
import { type FoldedLog, type FoldLogOptions, foldLog } from "./fold-snapshot.js"
import { makeMemoryStore } from "./memory-store.js"
import type { SessionEvent } from "./schema.js"
import type {
  AppendResult,
  EventStoreShape,
  LogItem,
  ReadOptions,
  ReadResult,
  SessionQuery,
  TailOptions,
  TornTailRepaired
} from "./store.js"

/** Runs an effect and rejects with its typed error itself (not a wrapper). */
export const runAsPromise = async <A, E>(effect: Effect.Effect<A, E>): Promise<A> => {
  const exit = await Effect.runPromiseExit(effect)
  if (Exit.isSuccess(exit)) return exit.value
  throw Cause.squash(exit.cause)
}

export interface EventLog {
  readonly kind: string
  readonly location: string
  readonly append: (events: ReadonlyArray<SessionEvent>) => Promise<AppendResult>
  readonly read: (options?: ReadOptions) => Promise<ReadResult>
  /** The events of some sessions only (see `EventStoreShape.readSessions`). */
  readonly readSessions: (query: SessionQuery) => Promise<ReadResult>
  /** Follows the log; stop by breaking out of the loop or aborting the signal. */
  readonly tail: (options?: TailOptions & { readonly signal?: AbortSignal }) => AsyncIterable<LogItem>
  readonly repairs: () => ReadonlyArray<TornTailRepaired>
  /** The Effect form of the same store. */
  readonly effect: EventStoreShape
}

export const toEventLog = (store: EventStoreShape): EventLog => ({
  kind: store.kind,
  location: store.location,
  append: (events) => runAsPromise(store.append(events)),
  read: (options) => runAsPromise(store.read(options)),
  readSessions: (query) => runAsPromise(store.readSessions(query)),
  tail: (options = {}) => {
    const { signal, ...rest } = options
    const stream = store.tail(rest)
    return Stream.toAsyncIterable(
      signal === undefined
        ? stream
        : stream.pipe(
            Stream.interruptWhen(
              Effect.callback<void>((resume) => {
                if (signal.aborted) resume(Effect.void)
                else signal.addEventListener("abort", () => resume(Effect.void), { once: true })
              })
            )
          )
    )
  },
  repairs: () => store.repairs(),
  effect: store
})

/** Folds a log's every event, from the newest snapshot the store keeps (see `foldLog`). */
export const foldEventLog = (log: EventLog, options: FoldLogOptions = {}): Promise<FoldedLog> =>
  runAsPromise(foldLog(log.effect, options))

/** Opens the file store (creating its directory 0700 and file 0600 if needed). */
export const openEventLog = async (options: FileStoreOptions = {}): Promise<EventLog> =>
  toEventLog(await runAsPromise(makeFileStore(options)))

export const openMemoryEventLog = (): EventLog => toEventLog(makeMemoryStore())
