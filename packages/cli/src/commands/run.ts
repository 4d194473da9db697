import { type Command, LAUNCH_OPTIONS } from "../command.js"

export const run: Command = {
  names: ["run"],
  positionals: 0,
  flags: ["--detached"],
  values: ["--cwd", "--log"],
  prompt: "required",
  synopsis: "run [--detached] [--cwd DIR] [--log FILE] -- PROMPT",
  summary: "start a session; prints its stable id",
  options: [["--cwd DIR", "the directory to run in (default the current one)"], ...LAUNCH_OPTIONS],
  details: "With Claude 2.1.x the Claude session id is chosen up front (--session-id).",
  run: async (ctx) => (await import("../actions/launch.js")).runCommand(ctx)
}
