/**
 * A label names one conversation at a time (`resume: <label>` must never be ambiguous): a new
 * conversation that takes a label leaves the one that held it under a label saying so, still
 * found by its stable id and Claude ids.
 */
export const replacedLabel = (label: string, createdAt: string): string => `${label} (replaced, opened ${createdAt})`
