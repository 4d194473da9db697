import { type Command, REFERENCE } from "../command.js"

export const token: Command = {
  names: ["token"],
  positionals: 1,
  takes: REFERENCE,
  flags: [],
  values: [],
  prompt: "none",
  synopsis: "token <ref>",
  summary: "a portable continuation token (start time, cwd, first-prompt hash; never prompt text)",
  run: async (ctx) => (await import("../actions/show.js")).token(ctx)
}
