import type { Command } from "../command.js"

export const ls: Command = {
  names: ["ls"],
  positionals: 0,
  flags: ["--all"],
  values: ["--cwd", "--since", "--limit"],
  prompt: "none",
  synopsis: "ls [--all] [--cwd DIR] [--since DATE] [--limit N]",
  summary: "the sessions in the store (--all: every Claude session in every Claude home, one row per chain)",
  options: [
    ["--all", "every Claude session in every Claude home, one row per chain, newest activity first"],
    ["--cwd DIR", "only sessions of DIR, another checkout of its repository, or a path --map shows there"],
    ["--since DATE", "only sessions active since DATE (2026-11-20, an ISO time) or an age (30m, 12h, 7d, 2w)"],
    ["--limit N", "at most N rows"]
  ],
  details: "On a terminal the table fits its width: ids shorten to unique prefixes, which every command takes.",
  run: async (ctx) => (await import("../actions/ls.js")).ls(ctx)
}
