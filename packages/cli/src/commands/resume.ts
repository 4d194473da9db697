import { type Command, LAUNCH_OPTIONS, REFERENCE } from "../command.js"

export const resume: Command = {
  names: ["resume"],
  positionals: 1,
  takes: REFERENCE,
  flags: ["--detached"],
  values: ["--log", "--in"],
  prompt: "required",
  synopsis: "resume <ref> [--detached] [--in DIR] -- PROMPT",
  summary: "resume the latest Claude id of a session, from its own cwd",
  options: [
    ["--in DIR", "run it in DIR instead (its directory is gone): the chain's transcripts are placed there"],
    ...LAUNCH_OPTIONS
  ],
  run: async (ctx) => (await import("../actions/launch.js")).resumeCommand(ctx)
}
