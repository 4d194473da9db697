/**
 * Every `cc-session` command, once: the argument parser, the help and `main` read this list.
 * Each command is its own module under `commands/` (its names, what it takes, its help, its
 * `run`); a command's code is loaded only when it runs, so `--help` loads these declarations
 * and no command's code. A new command is a module under `commands/` (and its implementation
 * under `actions/`) and one line here.
 */
import type { Command } from "./command.js"
import { archive } from "./commands/archive.js"
import { buildIndex } from "./commands/build-index.js"
import { channelCoder } from "./commands/channelcoder.js"
import { continueCommand } from "./commands/continue.js"
import { events } from "./commands/events.js"
import { fork } from "./commands/fork.js"
import { help } from "./commands/help.js"
import { ls } from "./commands/ls.js"
import { recover } from "./commands/recover.js"
import { rename } from "./commands/rename.js"
import { resolve } from "./commands/resolve.js"
import { resume } from "./commands/resume.js"
import { run } from "./commands/run.js"
import { search } from "./commands/search.js"
import { show } from "./commands/show.js"
import { sync } from "./commands/sync.js"
import { tag } from "./commands/tag.js"
import { token } from "./commands/token.js"
import { unarchive } from "./commands/unarchive.js"
import { vault } from "./commands/vault.js"
import { watch } from "./commands/watch.js"

export type { Command, CommandSpec } from "./command.js"

/** In the order the help lists them. */
export const registry: ReadonlyArray<Command> = [
  run,
  resume,
  continueCommand,
  fork,
  show,
  resolve,
  ls,
  search,
  recover,
  rename,
  tag,
  archive,
  unarchive,
  vault,
  token,
  buildIndex,
  watch,
  events,
  channelCoder,
  sync,
  help
]

const byName = new Map<string, Command>(registry.flatMap((c) => c.names.map((name) => [name, c] as const)))

/** A command by any of its names. */
export const commandEntry = (name: string): Command | undefined => byName.get(name)
