/**
 * The event store contract as a test suite. Every store implementation runs it:
 *
 * ```ts
 * import { runEventStoreConformance } from "@cc/events/conformance"
 * runEventStoreConformance("postgres", async () => ({ store: await makePgStore(), cleanup }))
 * ```
 *
 * Needs `vitest` and `fast-check` (optional peer dependencies of this package).
 */
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { claudeIdArb, eventListArb, stableIdArb } from "./arbitraries.js"
import { encodeEventLine } from "./codec.js"
import { fold } from "./fold.js"
import { foldLog } from "./fold-snapshot.js"
import { claudeIdsOf, type SessionEvent } from "./schema.js"
import { type EventStoreShape, type LogItem, selectSessions } from "./store.js"

export * from "./arbitraries.js"

export interface StoreUnderTest {
  readonly store: EventStoreShape
  /** Opens a second handle on the same underlying store (a "reopen" / another process). */
  readonly reopen?: () => Promise<EventStoreShape>
  readonly cleanup?: () => Promise<void>
}

export type StoreFactory = () => Promise<StoreUnderTest>

const run = <A, E>(effect: Effect.Effect<A, E>): Promise<A> => Effect.runPromise(effect)
const lines = (events: ReadonlyArray<SessionEvent>): Array<string> => events.map(encodeEventLine)

const withStore = async <A>(factory: StoreFactory, f: (s: StoreUnderTest) => Promise<A>): Promise<A> => {
  const s = await factory()
  try {
    return await f(s)
  } finally {
    await s.cleanup?.()
  }
}

// --- model-based test: the store behaves like an array of batches ------------------------

interface Model {
  events: Array<SessionEvent>
  /** nextOffset observed after the n-th batch, with the event count at that point */
  marks: Array<{ offset: number; count: number }>
  /** Where the newest snapshot `foldLog` kept covers up to (stores that keep snapshots). */
  snapshotAt?: number
}

class AppendCommand implements fc.AsyncCommand<Model, EventStoreShape> {
  constructor(readonly batch: Array<SessionEvent>) {}
  check(): boolean {
    return true
  }
  async run(model: Model, store: EventStoreShape): Promise<void> {
    const before = model.events.length
    const result = await run(store.append(this.batch))
    expect(result.count).toBe(this.batch.length)
    expect(result.to).toBeGreaterThanOrEqual(result.from)
    model.events.push(...this.batch)
    const read = await run(store.read())
    expect(lines(read.events.map((s) => s.event))).toEqual(lines(model.events))
    model.marks.push({ offset: read.nextOffset, count: model.events.length })
    if (this.batch.length > 0) {
      // the batch is contiguous and starts where the append said it did
      expect(read.events[before]?.offset).toBe(result.from)
    }
  }
  toString(): string {
    return `append(${this.batch.length})`
  }
}

/** Reads some sessions (by stable id, and by the Claude ids their events name). */
class ReadSessionsCommand implements fc.AsyncCommand<Model, EventStoreShape> {
  constructor(
    readonly sessions: ReadonlyArray<string>,
    readonly mentioning: ReadonlyArray<string>
  ) {}
  check(): boolean {
    return true
  }
  async run(model: Model, store: EventStoreShape): Promise<void> {
    const query = { sessions: this.sessions, mentioning: this.mentioning }
    const got = await run(store.readSessions(query))
    const whole = await run(store.read())
    const expected = selectSessions(whole, query)
    expect(lines(got.events.map((s) => s.event))).toEqual(lines(expected.events.map((s) => s.event)))
    expect(got.events.map((s) => s.offset)).toEqual(expected.events.map((s) => s.offset))
    expect(got.nextOffset).toBe(whole.nextOffset)
    const known = new Set(whole.diagnostics.map((d) => JSON.stringify(d)))
    for (const d of got.diagnostics) expect(known).toContain(JSON.stringify(d))
    // and it is what the model holds for them
    const wanted = new Set(this.sessions)
    for (const event of model.events)
      if (claudeIdsOf(event).some((id) => this.mentioning.includes(id))) wanted.add(event.session)
    expect(lines(got.events.map((s) => s.event))).toEqual(lines(model.events.filter((e) => wanted.has(e.session))))
  }
  toString(): string {
    return `readSessions(${this.sessions.length} sessions, ${this.mentioning.length} claude ids)`
  }
}

class ReadFromMarkCommand implements fc.AsyncCommand<Model, EventStoreShape> {
  constructor(readonly pick: number) {}
  check(model: Readonly<Model>): boolean {
    return model.marks.length > 0
  }
  async run(model: Model, store: EventStoreShape): Promise<void> {
    const mark = model.marks[this.pick % model.marks.length] as { offset: number; count: number }
    const read = await run(store.read({ from: mark.offset }))
    expect(lines(read.events.map((s) => s.event))).toEqual(lines(model.events.slice(mark.count)))
    expect(read.diagnostics).toEqual([])
  }
  toString(): string {
    return `readFromMark(${this.pick})`
  }
}

/**
 * Folds the whole log with `foldLog`: from the newest snapshot when the store keeps them, and
 * keeping a new one once `snapshotAfter` events were folded past it. Whatever it resumed from,
 * the state is the fold of every event.
 */
class FoldLogCommand implements fc.AsyncCommand<Model, EventStoreShape> {
  constructor(readonly snapshotAfter: number) {}
  check(): boolean {
    return true
  }
  async run(model: Model, store: EventStoreShape): Promise<void> {
    const folded = await run(foldLog(store, { snapshotAfter: this.snapshotAfter, minEventsPerSession: 0 }))
    expect(folded.folder.state()).toEqual(fold(model.events))
    const whole = await run(store.read())
    expect(folded.nextOffset).toBe(whole.nextOffset)
    expect(folded.saveError).toBeUndefined()
    if (store.snapshots === undefined) {
      expect(folded.resumedFrom).toBeUndefined()
      expect(folded.saved).toBe(false)
      return
    }
    // it resumed from the newest snapshot kept, and folded only what came after it
    expect(folded.resumedFrom).toBe(model.snapshotAt)
    const after = model.snapshotAt === undefined ? whole : await run(store.read({ from: model.snapshotAt }))
    expect(folded.folded).toBe(after.events.length)
    expect(folded.saved).toBe(folded.folded >= this.snapshotAfter)
    if (folded.saved) model.snapshotAt = folded.nextOffset
  }
  toString(): string {
    return `foldLog(snapshotAfter ${this.snapshotAfter})`
  }
}

class StreamCommand implements fc.AsyncCommand<Model, EventStoreShape> {
  check(): boolean {
    return true
  }
  async run(model: Model, store: EventStoreShape): Promise<void> {
    const items = await run(Stream.runCollect(store.stream()))
    const events = items.flatMap((item: LogItem) => (item._tag === "Event" ? [item.stored.event] : []))
    expect(lines(events)).toEqual(lines(model.events))
  }
  toString(): string {
    return "stream()"
  }
}

export interface ConformanceOptions {
  /**
   * The store drops an event whose id it already holds (a shared store, where the same events
   * may arrive from several machines): appending the same events again adds nothing, and its
   * `count` says so. Otherwise the repeat is kept, and the fold makes it harmless.
   */
  readonly idempotentById?: boolean
}

export const runEventStoreConformance = (
  name: string,
  factory: StoreFactory,
  options: ConformanceOptions = {}
): void => {
  describe(`event store conformance: ${name}`, () => {
    it("starts empty and reads nothing", () =>
      withStore(factory, async ({ store }) => {
        const read = await run(store.read())
        expect(read.events).toEqual([])
        expect(read.diagnostics).toEqual([])
        const again = await run(store.read({ from: read.nextOffset }))
        expect(again.nextOffset).toBe(read.nextOffset)
      }))

    it("behaves like an array of appended batches (model-based)", async () => {
      const commands = fc.commands(
        [
          eventListArb(6).map((batch) => new AppendCommand(batch)),
          fc.nat().map((pick) => new ReadFromMarkCommand(pick)),
          fc.constant(new StreamCommand()),
          fc.integer({ min: 0, max: 8 }).map((after) => new FoldLogCommand(after)),
          fc
            .tuple(fc.uniqueArray(stableIdArb(), { maxLength: 3 }), fc.uniqueArray(claudeIdArb(), { maxLength: 3 }))
            .map(([sessions, mentioning]) => new ReadSessionsCommand(sessions, mentioning))
        ],
        { maxCommands: 16 }
      )
      await fc.assert(
        fc.asyncProperty(commands, (cmds) =>
          withStore(factory, ({ store }) =>
            fc.asyncModelRun(() => ({ model: { events: [], marks: [] }, real: store }), cmds)
          )
        ),
        { numRuns: 40 }
      )
    })

    it("keeps unknown future event types through a round trip", () =>
      withStore(factory, async ({ store }) => {
        const future = {
          id: "future-0000000001",
          v: 1,
          at: "2026-01-01T00:00:00.000Z",
          session: "cc-session-00000000-0000-4000-8000-000000000001",
          type: "session.teleported",
          payload: { to: "mars" },
          unknown: true
        } as unknown as SessionEvent
        await run(store.append([future]))
        const read = await run(store.read())
        expect(read.events.map((s) => encodeEventLine(s.event))).toEqual([encodeEventLine(future)])
      }))

    it(
      options.idempotentById === true
        ? "adds nothing for an event it already holds, and says so"
        : "keeps a repeated event (the fold, not the store, makes it idempotent)",
      async () => {
        await fc.assert(
          fc.asyncProperty(eventListArb(10), (events) =>
            withStore(factory, async ({ store }) => {
              await run(store.append(events))
              const again = await run(store.append(events))
              const read = await run(store.read())
              if (options.idempotentById === true) {
                expect(again.count).toBe(0)
                expect(read.events.map((s) => s.event.id)).toEqual(events.map((e) => e.id))
              } else {
                expect(read.events).toHaveLength(events.length * 2)
              }
              // either way the fold is the fold of the events once
              expect(fold(read.events.map((s) => s.event))).toEqual(fold(events))
            })
          ),
          { numRuns: 20 }
        )
      }
    )

    it("never interleaves concurrent appends and loses none", () =>
      withStore(factory, async ({ store, reopen }) => {
        const handles = [store, ...(reopen === undefined ? [] : [await reopen(), await reopen()])]
        const batches = fc
          .sample(eventListArb(5), { numRuns: 30, seed: 7 })
          .map((batch, i) => batch.map((event) => ({ ...event, id: `${event.id.slice(0, 30)}-${i}` }) as SessionEvent))
        await Promise.all(
          batches.map((batch, i) => run((handles[i % handles.length] as EventStoreShape).append(batch)))
        )
        const read = await run(store.read())
        const got = lines(read.events.map((s) => s.event))
        expect(got).toHaveLength(batches.reduce((n, b) => n + b.length, 0))
        for (const batch of batches) {
          if (batch.length === 0) continue
          const start = got.indexOf(encodeEventLine(batch[0] as SessionEvent))
          expect(got.slice(start, start + batch.length)).toEqual(lines(batch))
        }
      }))

    it("tails: yields what exists, then what is appended later", () =>
      withStore(factory, async ({ store }) => {
        const [first, second] = fc.sample(
          eventListArb(3).filter((l) => l.length > 0),
          { numRuns: 2, seed: 3 }
        ) as [Array<SessionEvent>, Array<SessionEvent>]
        await run(store.append(first))
        const collected = Effect.runPromise(
          Stream.runCollect(
            store.tail({ pollMs: 10 }).pipe(
              Stream.filter((item: LogItem) => item._tag === "Event"),
              Stream.take(first.length + second.length)
            )
          )
        )
        await new Promise((resolve) => setTimeout(resolve, 30))
        await run(store.append(second))
        const items = await collected
        const events = items.flatMap((item: LogItem) => (item._tag === "Event" ? [item.stored.event] : []))
        expect(lines(events)).toEqual(lines([...first, ...second]))
      }))

    it("is visible through a second handle (another process) when the store has one", () =>
      withStore(factory, async ({ store, reopen }) => {
        const [events] = fc.sample(eventListArb(5), { numRuns: 1, seed: 11 }) as [Array<SessionEvent>]
        await run(store.append(events))
        const other = reopen === undefined ? store : await reopen()
        const read = await run(other.read())
        expect(lines(read.events.map((s) => s.event))).toEqual(lines(events))
      }))
  })
}
