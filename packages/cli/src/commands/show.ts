import { type Command, REFERENCE } from "../command.js"

export const show: Command = {
  names: ["show"],
  positionals: 1,
  takes: REFERENCE,
  flags: [],
  values: [],
  prompt: "none",
  synopsis: "show <ref>",
  summary: "the session: cwd, status, Claude chain, forks, transcripts",
  run: async (ctx) => (await import("../actions/show.js")).show(ctx)
}
