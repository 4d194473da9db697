import type { Command } from "../command.js"

export const recover: Command = {
  names: ["recover"],
  positionals: 0,
  flags: ["--adopt"],
  values: [],
  prompt: "none",
  synopsis: "recover [--adopt]",
  summary:
    "sessions the store does not know: transcripts, and runs a source knows without a Claude id (ChannelCoder's placeholders) tied to their transcripts",
  options: [["--adopt", "give each a stable id, with its whole chain"]],
  run: async (ctx) => (await import("../actions/recover.js")).recover(ctx)
}
