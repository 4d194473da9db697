/**
 * Folding a store's log through fold snapshots: the fold state of a log up to a position, kept
 * beside the log so that a new reader of a long log starts from it and folds only what came after.
 *
 * A snapshot is a cache, never the truth. It is used only when it checks out: written by this
 * fold version, decoded by the state's Schemas (`fold-state.ts`; a shared database is a boundary
 * like any other), and the store still holds the last event it covers at the position it names.
 * Anything else is ignored and the log folded whole; the snapshot's stamps make a stale one harmless.
 */
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import type { SkippedLine, StoreDiagnostic } from "./diagnostics.js"
import type { StoreError } from "./errors.js"
import { Folder } from "./fold.js"
import { FOLD_VERSION, type FoldSnapshot } from "./fold-state.js"
import type { EventStoreShape, StoredEvent } from "./store.js"

/** Events folded past a snapshot before `foldLog` keeps a new one (about a second's fold). */
export const SNAPSHOT_AFTER = 20_000
/**
 * Events per session a log must hold for a snapshot to be worth keeping: decoding a session's
 * state costs about what folding eight of its events does, so a log of few events per session
 * is folded faster than its snapshot is read.
 */
export const SNAPSHOT_DENSITY = 8
/** Skipped lines a snapshot carries at most (they are reported again; more is not useful). */
const MAX_SNAPSHOT_DIAGNOSTICS = 1_000

export interface FoldLogOptions {
  /** Keep a new snapshot once this many events were folded past the last one (default `SNAPSHOT_AFTER`). */
  readonly snapshotAfter?: number
  /** Keep one only if the log holds at least this many events per session (default `SNAPSHOT_DENSITY`). */
  readonly minEventsPerSession?: number
}

export interface FoldedLog {
  /** The fold of the whole log, ready to take what is appended next. */
  readonly folder: Folder
  /** Where the log was read up to: read on from here. */
  readonly nextOffset: number
  /** Lines skipped (those below the snapshot as it recorded them) and torn tails repaired. */
  readonly diagnostics: ReadonlyArray<StoreDiagnostic>
  /** The offset of the snapshot it resumed from, if one checked out. */
  readonly resumedFrom: number | undefined
  /** Events folded from the log (after the snapshot, if one was used). */
  readonly folded: number
  /** Whether a new snapshot was kept; a store that refuses one is not an error here (it is a cache). */
  readonly saved: boolean
  readonly saveError?: StoreError
}

/**
 * Folds a store's whole log: from its newest snapshot if it keeps one that checks out, else
 * from the start; then keeps a new snapshot when enough was folded past the old one.
 */
export const foldLog = (store: EventStoreShape, options: FoldLogOptions = {}): Effect.Effect<FoldedLog, StoreError> =>
  Effect.gen(function* () {
    const shelf = store.snapshots
    // a snapshot that cannot be loaded (a role without the right, a server hiccup) is no reason
    // not to fold: the log itself is the truth
    const loaded = shelf === undefined ? undefined : yield* Effect.orElseSucceed(shelf.load(), () => undefined)
    // streamed, not read whole: a replay of a long log folds page by page in bounded memory
    const folder = new Folder(loaded?.state)
    const diagnostics: Array<StoreDiagnostic> = [...(loaded?.diagnostics ?? [])]
    let folded = 0
    let lastRead: StoredEvent | undefined
    yield* Stream.runForEachArray(store.stream(loaded === undefined ? {} : { from: loaded.nextOffset }), (items) =>
      Effect.sync(() => {
        for (const item of items) {
          if (item._tag === "Diagnostic") diagnostics.push(item.diagnostic)
          else {
            folder.applyOne(item.stored.event)
            lastRead = item.stored
            folded++
          }
        }
      })
    )
    // where to read on: from the last event streamed (folding it again changes nothing), which
    // also folds whatever was appended while streaming
    const from = lastRead?.offset ?? loaded?.nextOffset ?? 0
    const rest = yield* store.read({ from })
    for (const stored of rest.events) {
      if (stored.offset === lastRead?.offset) continue
      folder.applyOne(stored.event)
      lastRead = stored
      folded++
    }
    const seen = new Set(diagnostics.map((d) => `${d._tag}:${d.offset}`))
    for (const d of rest.diagnostics) if (!seen.has(`${d._tag}:${d.offset}`)) diagnostics.push(d)
    const skipped = diagnostics.filter((d): d is SkippedLine => d._tag === "SkippedLine")
    const result = {
      folder,
      nextOffset: rest.nextOffset,
      diagnostics,
      resumedFrom: loaded?.nextOffset,
      folded,
      saved: false
    }
    const events = (loaded?.events ?? 0) + folded
    const sessions = folder.size()
    if (
      shelf === undefined ||
      folded < (options.snapshotAfter ?? SNAPSHOT_AFTER) ||
      events < sessions * (options.minEventsPerSession ?? SNAPSHOT_DENSITY)
    )
      return result
    const snapshot: FoldSnapshot = {
      foldVersion: FOLD_VERSION,
      nextOffset: rest.nextOffset,
      events,
      last: lastRead === undefined ? (loaded?.last ?? null) : { offset: lastRead.offset, id: lastRead.event.id },
      diagnostics: skipped.slice(-MAX_SNAPSHOT_DIAGNOSTICS),
      state: folder.state()
    }
    return yield* shelf.save(snapshot).pipe(
      Effect.map((): FoldedLog => ({ ...result, saved: true })),
      Effect.catch((saveError) => Effect.succeed<FoldedLog>({ ...result, saveError }))
    )
  })
