import { type Command, REFERENCE } from "../command.js"

export const resolve: Command = {
  names: ["resolve"],
  positionals: 1,
  takes: REFERENCE,
  flags: [],
  values: [],
  prompt: "none",
  synopsis: "resolve <ref>",
  summary: "how a reference resolves, and by which layer",
  run: async (ctx) => (await import("../actions/show.js")).resolveCommand(ctx)
}
