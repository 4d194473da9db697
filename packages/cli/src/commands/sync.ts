import type { Command } from "../command.js"

export const sync: Command = {
  names: ["sync"],
  positionals: 1,
  takes: "the shared log's URL (postgres://…)",
  flags: [],
  values: [],
  prompt: "none",
  synopsis: "sync URL",
  summary: "copy this store's event log into a shared PostgreSQL one and back, idempotently; picks up where it stopped",
  run: async (ctx) => (await import("../actions/sync.js")).sync(ctx)
}
