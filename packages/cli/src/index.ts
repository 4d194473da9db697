export { commands, parseArgs, UsageError, usage } from "./args.js"
export * from "./launcher.js"
export { type RunOutcome, RunSpec, superviseRun } from "./supervise.js"
