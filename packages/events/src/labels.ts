/**
 * A label names one conversation at a time (`resume: <label>` must never be ambiguous): a new
 * conversation that takes a label leaves the one that held it under a label saying so, still
 * found by its stable id and Claude ids.
 */
import { makeEvent } from "./codec.js"
import type { StableId } from "./ids.js"
import type { SessionEvent } from "./schema.js"

export const replacedLabel = (label: string, createdAt: string): string => `${label} (replaced, opened ${createdAt})`

/** The events that give `id` the label: each other session that held it keeps its own under `replacedLabel`. */
export const labelEvents = (
  id: StableId,
  label: string,
  holders: Iterable<{ readonly id: StableId; readonly createdAt: string }>
): Array<SessionEvent> => [
  ...[...holders]
    .filter((holder) => holder.id !== id)
    .map((holder) => makeEvent("session.labeled", holder.id, { label: replacedLabel(label, holder.createdAt) })),
  makeEvent("session.labeled", id, { label })
]
