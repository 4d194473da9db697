/**
 * Command-line parsing for `cc-session`. Small and strict: an unknown option, a missing value
 * or a missing argument is a usage error (exit 2) with one clear sentence. What each command
 * takes is in the registry.
 */

import type { Command, CommandSpec } from "./command.js"
import { globalUsage } from "./help.js"
import type { Parsed } from "./parsed.js"
import { commandEntry, registry } from "./registry.js"

export type { CommandSpec } from "./command.js"

/** A bad command line: exit 2 with this one sentence. A plain class: `--help` loads nothing else. */
export class UsageError extends Error {
  readonly _tag = "UsageError"
  constructor(options: { readonly message: string }) {
    super(options.message)
  }
}

export type { Parsed } from "./parsed.js"

const globalFlags = ["--json", "--help", "--version"]
/** Short spellings a person types. */
const aliases: Readonly<Record<string, string>> = { "-h": "--help" }
const globalValues = [
  "--store",
  "--claude-home",
  "--claude-bin",
  "--source",
  "--channelcoder-home",
  "--map",
  "--events",
  "--vault"
]

/** Every command's spec (the registry's entries). */
export const commands: Readonly<Record<string, CommandSpec>> = Object.fromEntries(
  registry.flatMap((c) => c.names.map((name) => [name, c]))
)

export const parseArgs = (argv: ReadonlyArray<string>): Parsed => {
  const dash = argv.indexOf("--")
  const head = dash === -1 ? argv : argv.slice(0, dash)
  const rest = dash === -1 ? [] : argv.slice(dash + 1)
  const flags = new Set<string>()
  const values = new Map<string, Array<string>>()
  const positionals: Array<string> = []
  let command: string | undefined
  let spec: Command | undefined
  for (let i = 0; i < head.length; i++) {
    const given = head[i] ?? ""
    // own keys only: "toString" is no alias
    const arg = (Object.hasOwn(aliases, given) ? aliases[given] : undefined) ?? given
    if (arg.includes("\0")) throw new UsageError({ message: "arguments may not contain NUL bytes" })
    if (arg.startsWith("--")) {
      const [name, inline] = arg.includes("=")
        ? [arg.slice(0, arg.indexOf("=")), arg.slice(arg.indexOf("=") + 1)]
        : [arg, undefined]
      if (globalFlags.includes(name) || spec?.flags.includes(name)) {
        if (inline !== undefined) throw new UsageError({ message: `${name} takes no value` })
        flags.add(name)
      } else if (globalValues.includes(name) || spec?.values.includes(name)) {
        const value = inline ?? head[++i]
        if (value === undefined || value === "") throw new UsageError({ message: `${name} needs a value` })
        values.set(name, [...(values.get(name) ?? []), value])
      } else {
        throw new UsageError({
          message: `unknown option ${name.slice(0, 40)}${command === undefined ? "" : ` for ${command}`}`
        })
      }
    } else if (command === undefined) {
      spec = commandEntry(arg)
      if (spec === undefined)
        throw new UsageError({ message: `unknown command ${JSON.stringify(arg.slice(0, 40))}: try cc-session --help` })
      command = arg
    } else {
      positionals.push(arg)
    }
  }
  if (command === undefined || spec === undefined) {
    if (flags.has("--help")) return { command: "help", positionals, rest, flags, values }
    if (flags.has("--version")) return { command: "version", positionals, rest, flags, values }
    throw new UsageError({ message: "no command given: try cc-session --help" })
  }
  if (flags.has("--help")) return { command: "help", positionals: [command], rest, flags, values }
  if (command === "help") {
    const [about, ...more] = positionals
    if (about !== undefined && commandEntry(about) === undefined)
      throw new UsageError({ message: `no command ${JSON.stringify(about.slice(0, 40))}: try cc-session --help` })
    if (more.length > 0) throw new UsageError({ message: "help takes one command at most" })
    return { command: "help", positionals, rest, flags, values }
  }
  if (spec.variadic === true ? positionals.length < spec.positionals : positionals.length !== spec.positionals) {
    const extra = positionals.length > spec.positionals
    throw new UsageError({
      message: `${command} takes ${spec.positionals === 0 ? "no argument" : (spec.takes ?? "one argument")}${extra ? `, not ${JSON.stringify(positionals.at(-1)?.slice(0, 40))}` : ""}: try cc-session ${command} --help`
    })
  }
  if (spec.prompt === "required" && rest.join(" ").trim() === "")
    throw new UsageError({ message: `${command} needs a prompt after --` })
  if (spec.prompt === "none" && rest.length > 0) throw new UsageError({ message: `${command} takes no prompt` })
  return { command, positionals, rest, flags, values }
}

/** The global help. */
export const usage = globalUsage()
