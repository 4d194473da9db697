import { type Command, LAUNCH_OPTIONS, REFERENCE } from "../command.js"

export const fork: Command = {
  names: ["fork"],
  positionals: 1,
  takes: REFERENCE,
  flags: ["--detached"],
  values: ["--log", "--in"],
  prompt: "required",
  synopsis: "fork <ref> [--detached] [--in DIR] -- PROMPT",
  summary: "branch a session into a new stable id",
  options: [["--in DIR", "run it in DIR instead (its directory is gone)"], ...LAUNCH_OPTIONS],
  run: async (ctx) => (await import("../actions/launch.js")).forkCommand(ctx)
}
