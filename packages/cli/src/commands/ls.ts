import type { Command } from "../command.js"

export const ls: Command = {
  names: ["ls"],
  positionals: 0,
  flags: ["--all", "--archived", "--programmatic", "--no-programmatic", "--regex", "--no-memory"],
  values: ["--cwd", "--since", "--limit", "--tag", "--branch", "--grep"],
  prompt: "none",
  synopsis: "ls [--all] [--cwd DIR] [--since DATE] [--tag TAG] [--branch B] [--limit N]",
  summary: "the sessions in the store (--all: every Claude session in every Claude home, one row per chain)",
  options: [
    ["--all", "every Claude session in every Claude home, one row per chain, newest activity first"],
    ["--cwd DIR", "only sessions of DIR, another checkout of its repository, or a path --map shows there"],
    ["--since DATE", "only sessions active since DATE (2026-11-20, an ISO time) or an age (30m, 12h, 7d, 2w)"],
    [
      "--archived",
      "with --all: archived sessions too (the SDK's archiveSession; hidden otherwise, as in Claude's picker)"
    ],
    ["--tag TAG", "with --all: only chains tagged TAG (Claude's /tag, the SDK's tagSession)"],
    ["--branch B", "with --all: only chains whose latest git branch is B"],
    ["--programmatic", "with --all: only sessions an SDK or a daemon started (entrypoint sdk-*)"],
    ["--no-programmatic", "with --all: only sessions started at a terminal, as Claude's /resume lists them"],
    ["--grep TEXT", "with --all: only chains whose prompts or replies hold TEXT (--regex: a regular expression)"],
    ["--no-memory", "with --grep: read every transcript, not what the same search found before"],
    ["--limit N", "at most N rows"]
  ],
  details: "On a terminal the table fits its width: ids shorten to unique prefixes, which every command takes.",
  run: async (ctx) => (await import("../actions/ls.js")).ls(ctx)
}
