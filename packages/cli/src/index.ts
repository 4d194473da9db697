export { commands, parseArgs, UsageError, usage } from "./args.js"
export * from "./launcher.js"
export { type RunOutcome, type RunSpec, superviseRun, writeAtomic } from "./supervise.js"
