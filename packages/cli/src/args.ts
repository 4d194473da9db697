/**
 * Command-line parsing for `cc-session`. Small and strict: an unknown option, a missing value
 * or a missing argument is a usage error (exit 2) with one clear sentence.
 */
/** A bad command line: exit 2 with this one sentence. A plain class: `--help` loads nothing else. */
export class UsageError extends Error {
  readonly _tag = "UsageError"
  constructor(options: { readonly message: string }) {
    super(options.message)
  }
}

export interface Parsed {
  readonly command: string
  readonly positionals: ReadonlyArray<string>
  /** Everything after `--`: the prompt. */
  readonly rest: ReadonlyArray<string>
  readonly flags: ReadonlySet<string>
  readonly values: ReadonlyMap<string, ReadonlyArray<string>>
}

export interface CommandSpec {
  readonly positionals: number
  /** Takes more positionals than `positionals` (which is then the least). */
  readonly variadic?: boolean
  readonly flags: ReadonlyArray<string>
  readonly values: ReadonlyArray<string>
  readonly prompt: "required" | "none"
}

const globalFlags = ["--json", "--help", "--version"]
const globalValues = [
  "--store",
  "--claude-home",
  "--claude-bin",
  "--source",
  "--channelcoder-home",
  "--map",
  "--events"
]

export const commands: Readonly<Record<string, CommandSpec>> = {
  run: { positionals: 0, flags: ["--detached"], values: ["--cwd", "--log"], prompt: "required" },
  resume: { positionals: 1, flags: ["--detached"], values: ["--log", "--in"], prompt: "required" },
  continue: { positionals: 0, flags: ["--detached"], values: ["--cwd", "--log"], prompt: "required" },
  fork: { positionals: 1, flags: ["--detached"], values: ["--log", "--in"], prompt: "required" },
  show: { positionals: 1, flags: [], values: [], prompt: "none" },
  resolve: { positionals: 1, flags: [], values: [], prompt: "none" },
  ls: { positionals: 0, flags: ["--all"], values: ["--cwd", "--since", "--limit"], prompt: "none" },
  recover: { positionals: 0, flags: ["--adopt"], values: [], prompt: "none" },
  token: { positionals: 1, flags: [], values: [], prompt: "none" },
  index: { positionals: 0, flags: [], values: [], prompt: "none" },
  watch: { positionals: 1, flags: [], values: [], prompt: "none" },
  events: { positionals: 0, flags: [], values: [], prompt: "none" },
  channelcoder: { positionals: 1, variadic: true, flags: ["--dry-run"], values: [], prompt: "none" },
  sync: { positionals: 1, flags: [], values: [], prompt: "none" }
}

// own properties only: "constructor" or "__proto__" must not pass for a command
const commandSpec = (name: string): CommandSpec | undefined =>
  Object.hasOwn(commands, name) ? commands[name] : undefined

export const parseArgs = (argv: ReadonlyArray<string>): Parsed => {
  const dash = argv.indexOf("--")
  const head = dash === -1 ? argv : argv.slice(0, dash)
  const rest = dash === -1 ? [] : argv.slice(dash + 1)
  const flags = new Set<string>()
  const values = new Map<string, Array<string>>()
  const positionals: Array<string> = []
  let command: string | undefined
  for (let i = 0; i < head.length; i++) {
    const arg = head[i] as string
    if (arg.includes("\0")) throw new UsageError({ message: "arguments may not contain NUL bytes" })
    if (arg.startsWith("--")) {
      const [name, inline] = arg.includes("=")
        ? [arg.slice(0, arg.indexOf("=")), arg.slice(arg.indexOf("=") + 1)]
        : [arg, undefined]
      const spec = command === undefined ? undefined : commandSpec(command)
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
      if (commands[arg] === undefined)
        throw new UsageError({ message: `unknown command ${JSON.stringify(arg.slice(0, 40))}: try cc-session --help` })
      command = arg
    } else {
      positionals.push(arg)
    }
  }
  if (command === undefined) {
    if (flags.has("--help")) return { command: "help", positionals, rest, flags, values }
    if (flags.has("--version")) return { command: "version", positionals, rest, flags, values }
    throw new UsageError({ message: "no command given: try cc-session --help" })
  }
  const spec = commands[command] as CommandSpec
  if (flags.has("--help")) return { command: "help", positionals: [command], rest, flags, values }
  if (spec.variadic === true ? positionals.length < spec.positionals : positionals.length !== spec.positionals) {
    throw new UsageError({
      message: `${command} takes ${spec.positionals === 0 ? "no argument" : "one session reference"}${positionals.length > spec.positionals ? `, not ${JSON.stringify(positionals.at(-1)?.slice(0, 40))}` : ""}`
    })
  }
  if (spec.prompt === "required" && rest.join(" ").trim() === "")
    throw new UsageError({ message: `${command} needs a prompt after --` })
  if (spec.prompt === "none" && rest.length > 0) throw new UsageError({ message: `${command} takes no prompt` })
  return { command, positionals, rest, flags, values }
}

export const usage = `cc-session — stable ids for Claude Code sessions, and their Claude session ids found again

Usage: cc-session [global options] <command> [options] [-- PROMPT]

Commands:
  run [--detached] [--cwd DIR] [--log FILE] -- PROMPT   start a session; prints its stable id
  resume <ref> [--detached] [--in DIR] -- PROMPT         resume the latest Claude id of a session, from its own cwd
  continue [--cwd DIR] [--detached] -- PROMPT           resume the most recent session of a directory
  fork <ref> [--detached] [--in DIR] -- PROMPT          branch a session into a new stable id
  show <ref>             the session: cwd, status, Claude chain, forks, transcripts
  resolve <ref>          how a reference resolves, and by which layer
  ls [--cwd DIR]         the sessions in the store
  ls --all [--cwd DIR] [--since DATE] [--limit N]
                         every Claude session in every Claude home, one row per chain, newest first
  recover [--adopt]      sessions the store does not know: transcripts, and runs a source knows without a
                         Claude id (ChannelCoder's placeholders) tied to their transcripts (--adopt: give them ids)
  token <ref>            a portable continuation token
  index                  build or refresh the transcript index
  watch <ref>            the session's events as JSON lines, live, until its run finishes
  events                 the whole event log as JSON lines
  channelcoder repair [NAME…] [--dry-run]
                         write the real Claude ids into ChannelCoder's session files in place of its
                         detached-<ms> and pending placeholders (atomic, with a backup beside each)
  sync URL               copy this store's event log into a shared PostgreSQL one and back,
                         idempotently; picks up where it stopped

  <ref>: a cc-session id, a Claude session id, a unique prefix of either, a cct1 token, a label
         (channelcoder:<name>), or a name a source knows (a ChannelCoder detached-<ms>).

Global options:
  --store DIR          the store (env CC_SESSIONS_HOME, default ~/.channelcoder)
  --claude-home DIR    a Claude config root, repeatable (env CLAUDE_CONFIG_DIR, default ~/.claude)
  --claude-bin PATH    the claude executable (env CC_CLAUDE_BIN, default claude on PATH)
  --source MODULE      a plugin source (ESM or CJS), repeatable; also "sources" in
                       <store>/cc-sessions.config.json
  --channelcoder-home DIR
                       where ChannelCoder keeps sessions/ (env CHANNELCODER_HOME, default the store)
  --map CONTAINER=HOST a container path and where it is on this host, repeatable
                       (env CC_SESSIONS_MAP, CONTAINER=HOST pairs separated by commas)
  --events URL         the event log of a shared PostgreSQL (postgres://…; env
                         CC_SESSIONS_EVENTS); the index, logs and sidecars stay in --store;
                         launches record in --store and push each event there at once
  --version            the version of cc-session
  --json               machine-readable output; errors as {"error":{"code","message"}}

Exit codes: 0 ok, 1 not found, 2 bad usage or input, 3 ambiguous, 4 I/O.
`
