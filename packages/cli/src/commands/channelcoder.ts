import type { Command } from "../command.js"

export const channelCoder: Command = {
  names: ["channelcoder"],
  positionals: 1,
  variadic: true,
  takes: "a subcommand: repair [NAME…]",
  flags: ["--dry-run"],
  values: [],
  prompt: "none",
  synopsis: "channelcoder repair [NAME…] [--dry-run]",
  summary:
    "write the real Claude ids into ChannelCoder's session files in place of its detached-<ms> and pending placeholders (atomic, with a backup beside each)",
  options: [["--dry-run", "say what would change, write nothing"]],
  run: async (ctx) => (await import("../actions/channelcoder.js")).channelCoder(ctx)
}
