import type { Command } from "../command.js"

export const vault: Command = {
  names: ["vault"],
  positionals: 1,
  variadic: true,
  takes: "sync, ls, restore <ref>, verify or prune --older-than AGE",
  flags: ["--all", "--dry-run"],
  values: ["--older-than", "--in"],
  prompt: "none",
  synopsis: "vault sync|ls|restore <ref>|verify|prune --older-than AGE",
  summary: "the transcript vault: copies that outlive Claude's cleanup, restored byte for byte",
  options: [
    ["sync [--all]", "copy what changed of the kept transcripts into the vault (--all: every transcript)"],
    ["ls", "every copy the vault holds, and whether its transcript is still in the Claude home"],
    ["restore <ref> [--in DIR]", "put a session's deleted transcripts back where claude looks, without running it"],
    ["verify", "read every chunk and check it against its digest (exit 5 if one does not)"],
    ["prune --older-than AGE [--dry-run]", "drop the copies not updated for AGE (30d, 12w)"]
  ],
  details:
    'What is kept: every Claude session a stable session owns (launched, resumed, forked or adopted through cc-session), whole chains with their subagents; "vault": "all" | "stable" | "none" in <store>/cc-sessions.config.json (or CC_SESSIONS_VAULT) changes that. Runs keep their transcripts fresh in the vault as they write; resume, continue and fork restore a deleted transcript before claude runs.',
  run: async (ctx) => (await import("../actions/vault.js")).vault(ctx)
}
