import type { Command } from "../command.js"

export const search: Command = {
  names: ["search"],
  positionals: 1,
  takes: "the TEXT to look for",
  flags: ["--regex", "--archived"],
  values: ["--limit"],
  prompt: "none",
  synopsis: "search TEXT [--regex] [--archived] [--limit N]",
  summary: "the sessions whose prompts or replies hold TEXT, newest first, one row per chain, with the match",
  options: [
    ["--regex", "TEXT is a regular expression (case-insensitive)"],
    ["--archived", "archived sessions too"],
    ["--limit N", "stop after N sessions"]
  ],
  details:
    "Case-insensitive. Only user prompts and assistant replies are searched (not tool output). --json prints one JSON line per session as it is found, with a match {claudeSessionId, timestamp, role, snippet}.",
  run: async (ctx) => (await import("../actions/search.js")).search(ctx)
}
