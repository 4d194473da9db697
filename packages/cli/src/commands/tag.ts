import type { Command } from "../command.js"

export const tag: Command = {
  names: ["tag"],
  positionals: 1,
  variadic: true,
  takes: "a session reference, and a TAG or --clear",
  flags: ["--clear"],
  values: [],
  prompt: "none",
  synopsis: "tag <ref> TAG | tag <ref> --clear",
  summary: "tag the session, or clear its tag, as the SDK's tagSession writes it",
  options: [["--clear", "remove its tag"]],
  run: async (ctx) => (await import("../actions/mark.js")).tag(ctx)
}
