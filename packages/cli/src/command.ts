/**
 * What a `cc-session` command is: its names, what it takes, its help, and its `run`. Each
 * command is one module under `commands/` that exports one of these; `registry.ts` lists them.
 * A command's `run` loads its implementation (under `actions/`) only when it runs, so parsing
 * a command line and printing help load no command's code.
 */
import type { Context } from "./context.js"

/** What the argument parser checks of a command line. */
export interface CommandSpec {
  readonly positionals: number
  /** Takes more positionals than `positionals` (which is then the least). */
  readonly variadic?: boolean
  /** What the positionals are, for the sentence a wrong count gets ("one session reference"). */
  readonly takes?: string
  readonly flags: ReadonlyArray<string>
  readonly values: ReadonlyArray<string>
  readonly prompt: "required" | "none"
}

export interface Command extends CommandSpec {
  /** What it is called on the command line (the first is the name the help lists it by). */
  readonly names: readonly [string, ...Array<string>]
  /** `ls [--all] [--cwd DIR] …`: how it is called. */
  readonly synopsis: string
  /** One line for the command list. */
  readonly summary: string
  /** Its options, each with what it does. */
  readonly options?: ReadonlyArray<readonly [string, string]>
  /** More of what it does, for its own help. */
  readonly details?: string
  readonly run: (ctx: Context) => Promise<void>
}

/** What a command that takes a session reference says it takes (its help then explains `<ref>`). */
export const REFERENCE = "one session reference"

/** The options every launching command has. */
export const LAUNCH_OPTIONS: ReadonlyArray<readonly [string, string]> = [
  ["--detached", "return at once; the run goes on under its own supervisor, output to its log"],
  ["--log FILE", "where the run's stream-json output goes (default in the store's logs/)"]
]
