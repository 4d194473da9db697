import type { Command } from "../command.js"

/** `help [COMMAND]`: printed before any command's code is loaded (`cli.ts`), so its `run` has nothing to do. */
export const help: Command = {
  names: ["help"],
  positionals: 0,
  variadic: true,
  flags: [],
  values: [],
  prompt: "none",
  synopsis: "help [COMMAND]",
  summary: "this help, or a command's own",
  run: async () => undefined
}
