import { type Command, LAUNCH_OPTIONS } from "../command.js"

export const continueCommand: Command = {
  names: ["continue"],
  positionals: 0,
  flags: ["--detached"],
  values: ["--cwd", "--log"],
  prompt: "required",
  synopsis: "continue [--cwd DIR] [--detached] -- PROMPT",
  summary: "resume the most recent session of a directory",
  options: [["--cwd DIR", "the directory (default the current one)"], ...LAUNCH_OPTIONS],
  run: async (ctx) => (await import("../actions/launch.js")).continueCommand(ctx)
}
