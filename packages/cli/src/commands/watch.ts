import { type Command, REFERENCE } from "../command.js"

export const watch: Command = {
  names: ["watch"],
  positionals: 1,
  takes: REFERENCE,
  flags: [],
  values: [],
  prompt: "none",
  synopsis: "watch <ref>",
  summary: "the session's events as JSON lines: all so far, then live until no run of it is going",
  run: async (ctx) => (await import("../actions/watch.js")).watch(ctx)
}
