import type { Command } from "../command.js"

export const rename: Command = {
  names: ["rename"],
  positionals: 2,
  takes: "a session reference and a TITLE",
  flags: [],
  values: [],
  prompt: "none",
  synopsis: "rename <ref> TITLE",
  summary: "give the session a title, as claude's /rename and the SDK's renameSession write it",
  details:
    "A custom-title line is appended to its latest transcript: Claude's picker, claude --resume TITLE and the SDK see it. The title stays in the transcript and the local index: no event holds it.",
  run: async (ctx) => (await import("../actions/mark.js")).rename(ctx)
}
