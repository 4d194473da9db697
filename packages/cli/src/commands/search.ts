import type { Command } from "../command.js"

export const search: Command = {
  names: ["search"],
  positionals: 1,
  takes: "the TEXT to look for",
  flags: ["--regex", "--archived", "--no-memory"],
  values: ["--limit"],
  prompt: "none",
  synopsis: "search TEXT [--regex] [--archived] [--limit N] [--no-memory]",
  summary: "the sessions whose prompts or replies hold TEXT, newest first, one row per chain, with the match",
  options: [
    ["--regex", "TEXT is a regular expression (case-insensitive)"],
    ["--archived", "archived sessions too"],
    ["--limit N", "stop after N sessions"],
    ["--no-memory", "read every transcript, not what the last searches found (also CC_SESSIONS_SEARCH_MEMORY=0)"]
  ],
  details:
    "Case-insensitive. Only user prompts and assistant replies are searched (not tool output). --json prints one JSON line per session as it is found, with a match {claudeSessionId, timestamp, role, snippet}. What a search found is remembered (the last 8 searches, in the store's index, 0600): the same search again reads only the transcripts that changed since, and of a grown one only what was appended.",
  run: async (ctx) => (await import("../actions/search.js")).search(ctx)
}
