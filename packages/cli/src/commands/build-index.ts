import type { Command } from "../command.js"

export const buildIndex: Command = {
  names: ["index"],
  positionals: 0,
  flags: [],
  values: [],
  prompt: "none",
  synopsis: "index",
  summary: "build or refresh the transcript index",
  run: async (ctx) => (await import("../actions/build-index.js")).buildIndex(ctx)
}
