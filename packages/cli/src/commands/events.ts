import type { Command } from "../command.js"

export const events: Command = {
  names: ["events"],
  positionals: 0,
  flags: [],
  values: [],
  prompt: "none",
  synopsis: "events",
  summary: "the whole event log as JSON lines",
  run: async (ctx) => (await import("../actions/events.js")).events(ctx)
}
