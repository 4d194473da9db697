import { type Command, REFERENCE } from "../command.js"

export const unarchive: Command = {
  names: ["unarchive"],
  positionals: 1,
  takes: REFERENCE,
  flags: [],
  values: [],
  prompt: "none",
  synopsis: "unarchive <ref>",
  summary: "take the session out of the archive",
  run: async (ctx) => (await import("../actions/mark.js")).unarchive(ctx)
}
