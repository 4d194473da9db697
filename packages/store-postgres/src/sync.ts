/**
 * Two-way sync between a machine's own event log (the file store) and a shared one (this
 * package's PostgreSQL store), for a laptop that was offline: what the local log has that the
 * shared one lacks goes up, what others wrote comes down. Idempotent — event ids are the key:
 * the shared store drops an id it holds, and the local side skips ids it has — so a second sync
 * moves nothing. Where each direction got to is saved after every batch (a small JSON file
 * beside the local log), so a sync killed half-way picks up where it stopped, and anything it
 * did twice is dropped as a repeat.
 */
import { createHash } from "node:crypto"
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { type EventLog, ensureDirectory, jsonDecoder, storeLayout, writeFileAtomicSync } from "@cc/events"
import * as Schema from "effect/Schema"

const Position = Schema.Int.pipe(Schema.check(Schema.isGreaterThanOrEqualTo(0)))

export const SyncProgress = Schema.Struct({
  /** The local log's offset up to which everything was sent. */
  pushedTo: Position,
  /** The shared log's position up to which everything was brought down. */
  pulledTo: Position
})
export type SyncProgress = typeof SyncProgress.Type
const decodeProgress = jsonDecoder(SyncProgress, "not a sync progress file")

export interface SyncResult {
  /** Events sent up that the shared log did not have. */
  readonly pushed: number
  /** Events brought down that the local log did not have. */
  readonly pulled: number
  /** Events met on the way that the other side already had. */
  readonly alreadyThere: number
}

export interface SyncOptions {
  readonly local: EventLog
  readonly remote: EventLog
  /** Where progress is kept (default: `<dir>/sync/<hash of the remote's location>.json`). */
  readonly progressFile: string
  readonly batchSize?: number
  /** Told after each batch (for a progress line). */
  readonly onBatch?: (direction: "push" | "pull", done: number) => void
}

/** The progress file of a store directory and a shared log. */
export const syncProgressFile = (storeDir: string, remoteLocation: string): string =>
  storeLayout(storeDir).syncProgress(createHash("sha256").update(remoteLocation).digest("hex").slice(0, 16))

const readProgress = (path: string): SyncProgress => {
  try {
    const decoded = decodeProgress(readFileSync(path, "utf8"))
    return decoded._tag === "Ok" ? decoded.value : { pushedTo: 0, pulledTo: 0 }
  } catch {
    // none yet, or unreadable: start over; repeats are dropped by id
    return { pushedTo: 0, pulledTo: 0 }
  }
}

const progressStore = (path: string) => ({
  read: () => readProgress(path),
  save: (progress: SyncProgress) => {
    ensureDirectory(join(path, ".."))
    writeFileAtomicSync(path, JSON.stringify(progress))
  }
})

/**
 * The up half of a sync: what the local log got since the last push goes to the shared one.
 * Launches with `--events` push after each append, so the shared log has a run's events as they
 * come; the local log keeps them first, so a server that is down loses nothing.
 */
export const pushEventLog = async (
  options: Omit<SyncOptions, "onBatch"> & { readonly onBatch?: (done: number) => void }
): Promise<Pick<SyncResult, "pushed" | "alreadyThere">> => {
  const batchSize = options.batchSize ?? 500
  const progress = progressStore(options.progressFile)
  let pushedTo = progress.read().pushedTo
  let pushed = 0
  let alreadyThere = 0
  const local = await options.local.read({ from: pushedTo })
  for (let i = 0; i < local.events.length; i += batchSize) {
    const batch = local.events.slice(i, i + batchSize)
    const result = await options.remote.append(batch.map((s) => s.event))
    pushed += result.count
    alreadyThere += batch.length - result.count
    pushedTo = local.events[i + batchSize]?.offset ?? local.nextOffset
    // re-read before writing: a pull (or another pusher) may have moved the other mark
    progress.save({ ...progress.read(), pushedTo })
    options.onBatch?.(pushed)
  }
  if (pushedTo !== local.nextOffset) progress.save({ ...progress.read(), pushedTo: local.nextOffset })
  return { pushed, alreadyThere }
}

export const syncEventLogs = async (options: SyncOptions): Promise<SyncResult> => {
  const batchSize = options.batchSize ?? 500
  const up = await pushEventLog({
    ...options,
    onBatch: (done) => options.onBatch?.("push", done)
  })
  const store = progressStore(options.progressFile)
  let progress = store.read()
  const save = () => store.save(progress)
  const pushed = up.pushed
  let pulled = 0
  let alreadyThere = up.alreadyThere

  // down: what the shared log got since, less what this machine already has (its own events
  // come back from the shared log too)
  const have = new Set((await options.local.read()).events.map((s) => s.event.id))
  const remote = await options.remote.read({ from: progress.pulledTo })
  for (let i = 0; i < remote.events.length; i += batchSize) {
    const batch = remote.events.slice(i, i + batchSize)
    const missing = batch.map((s) => s.event).filter((e) => !have.has(e.id))
    if (missing.length > 0) {
      await options.local.append(missing)
      for (const e of missing) have.add(e.id)
    }
    pulled += missing.length
    alreadyThere += batch.length - missing.length
    progress = { ...progress, pulledTo: (batch.at(-1)?.offset ?? progress.pulledTo) + 1 }
    save()
    options.onBatch?.("pull", pulled)
  }
  // what came down is sent up once more next time (another process may have appended beside
  // it, and offsets cannot tell the two apart): the shared log drops it as a repeat
  return { pushed, pulled, alreadyThere }
}
