import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import { decodeEventLine, encodeEventLine } from "./codec.js"
import type { StoreError } from "./errors.js"
import { decodeFoldSnapshot, encodeFoldSnapshot } from "./fold-state.js"
import type { SessionEvent } from "./schema.js"
import {
  EventStore,
  type EventStoreShape,
  type LogItem,
  type ReadOptions,
  type ReadResult,
  type SessionQuery,
  selectSessions,
  type TailOptions
} from "./store.js"

const eventIdOf = (line: string): string | undefined => {
  const decoded = decodeEventLine(line)
  return decoded._tag === "Event" ? decoded.event.id : undefined
}

/**
 * The in-memory store: for tests and for embedders that keep their own persistence.
 * Events go through the same encode/decode round trip as the file store, so it accepts and
 * returns exactly what a file store would. Offsets are event indices.
 */
export const makeMemoryStore = (): EventStoreShape => {
  const lines: Array<string> = []
  // the newest snapshot, as text: it goes through the same encode/decode as a stored one
  let snapshotText: string | undefined
  let snapshotOffset = -1

  const read = (options: ReadOptions = {}): Effect.Effect<ReadResult, StoreError> =>
    Effect.sync(() => {
      const from = Math.max(0, Math.min(options.from ?? 0, lines.length))
      const events = []
      for (let offset = from; offset < lines.length; offset++) {
        const decoded = decodeEventLine(lines[offset] ?? "")
        if (decoded._tag === "Event") events.push({ event: decoded.event, offset })
      }
      return { events, diagnostics: [], nextOffset: lines.length }
    })

  const toItems = (result: ReadResult): Array<LogItem> =>
    result.events.map((stored) => ({ _tag: "Event" as const, stored }))

  const tail = (options: TailOptions = {}): Stream.Stream<LogItem, StoreError> =>
    Stream.paginate(options.from ?? 0, (offset: number) =>
      Effect.gen(function* () {
        const result = yield* read({ from: offset })
        if (result.events.length === 0) yield* Effect.sleep(options.pollMs ?? 20)
        return [toItems(result), Option.some(result.nextOffset)] as const
      })
    )

  return {
    kind: "memory",
    location: "memory",
    append: (events: ReadonlyArray<SessionEvent>) =>
      Effect.sync(() => {
        const from = lines.length
        // one synchronous push: no other fiber can interleave with it
        lines.push(...events.map(encodeEventLine))
        return { from, to: lines.length, count: events.length }
      }),
    read,
    readSessions: (query: SessionQuery) => Effect.map(read(), (result) => selectSessions(result, query)),
    stream: (options: ReadOptions = {}) =>
      Stream.unwrap(Effect.map(read(options), (result) => Stream.fromIterable(toItems(result)))),
    tail,
    repairs: () => [],
    snapshots: {
      load: () =>
        Effect.sync(() => {
          if (snapshotText === undefined) return undefined
          const decoded = decodeFoldSnapshot(snapshotText)
          if (decoded._tag === "Refused") return undefined
          const { last, nextOffset } = decoded.snapshot
          const line = last === null ? undefined : lines[last.offset]
          const holdsLast = last === null ? nextOffset === 0 : line !== undefined && eventIdOf(line) === last.id
          return holdsLast && nextOffset <= lines.length ? decoded.snapshot : undefined
        }),
      save: (snapshot) =>
        Effect.sync(() => {
          if (snapshotOffset > snapshot.nextOffset) return
          snapshotText = encodeFoldSnapshot(snapshot)
          snapshotOffset = snapshot.nextOffset
        })
    }
  }
}

export const memoryStoreLayer: Layer.Layer<EventStore> = Layer.sync(EventStore, () => EventStore.of(makeMemoryStore()))
