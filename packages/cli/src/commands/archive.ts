import { type Command, REFERENCE } from "../command.js"

export const archive: Command = {
  names: ["archive"],
  positionals: 1,
  takes: REFERENCE,
  flags: [],
  values: [],
  prompt: "none",
  synopsis: "archive <ref>",
  summary: "archive the session, as the SDK's archiveSession marks it (hidden from ls --all; a new prompt unarchives)",
  run: async (ctx) => (await import("../actions/mark.js")).archive(ctx)
}
