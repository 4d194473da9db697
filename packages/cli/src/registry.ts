/**
 * Every `cc-session` command, once: its names, what it takes, its help, and where its code is.
 * The argument parser, the help (global and per command) and `main` all read this table; a
 * command's own module is loaded only when it runs, so `--help` loads this file and no other.
 * A new command is one entry here and its module under `commands/`.
 */
import type { Context } from "./context.js"

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

export type Run = (ctx: Context) => Promise<void>

export interface CommandEntry extends CommandSpec {
  /** `ls [--all] [--cwd DIR] …`: how it is called. */
  readonly synopsis: string
  /** One line for the command list. */
  readonly summary: string
  /** Its options, each with what it does. */
  readonly options?: ReadonlyArray<readonly [string, string]>
  /** More of what it does, for its own help. */
  readonly details?: string
  readonly load: () => Promise<Run>
}

const launch = async (): Promise<Run> => (await import("./commands/launch.js")).launch
const REF = "one session reference"
const launchOptions: ReadonlyArray<readonly [string, string]> = [
  ["--detached", "return at once; the run goes on under its own supervisor, output to its log"],
  ["--log FILE", "where the run's stream-json output goes (default in the store's logs/)"]
]

export const registry: Readonly<Record<string, CommandEntry>> = {
  run: {
    positionals: 0,
    flags: ["--detached"],
    values: ["--cwd", "--log"],
    prompt: "required",
    synopsis: "run [--detached] [--cwd DIR] [--log FILE] -- PROMPT",
    summary: "start a session; prints its stable id",
    options: [["--cwd DIR", "the directory to run in (default the current one)"], ...launchOptions],
    details: "With Claude 2.1.x the Claude session id is chosen up front (--session-id).",
    load: launch
  },
  resume: {
    positionals: 1,
    takes: REF,
    flags: ["--detached"],
    values: ["--log", "--in"],
    prompt: "required",
    synopsis: "resume <ref> [--detached] [--in DIR] -- PROMPT",
    summary: "resume the latest Claude id of a session, from its own cwd",
    options: [
      ["--in DIR", "run it in DIR instead (its directory is gone): the chain's transcripts are placed there"],
      ...launchOptions
    ],
    load: launch
  },
  continue: {
    positionals: 0,
    flags: ["--detached"],
    values: ["--cwd", "--log"],
    prompt: "required",
    synopsis: "continue [--cwd DIR] [--detached] -- PROMPT",
    summary: "resume the most recent session of a directory",
    options: [["--cwd DIR", "the directory (default the current one)"], ...launchOptions],
    load: launch
  },
  fork: {
    positionals: 1,
    takes: REF,
    flags: ["--detached"],
    values: ["--log", "--in"],
    prompt: "required",
    synopsis: "fork <ref> [--detached] [--in DIR] -- PROMPT",
    summary: "branch a session into a new stable id",
    options: [["--in DIR", "run it in DIR instead (its directory is gone)"], ...launchOptions],
    load: launch
  },
  show: {
    positionals: 1,
    takes: REF,
    flags: [],
    values: [],
    prompt: "none",
    synopsis: "show <ref>",
    summary: "the session: cwd, status, Claude chain, forks, transcripts",
    load: async () => (await import("./commands/show.js")).show
  },
  resolve: {
    positionals: 1,
    takes: REF,
    flags: [],
    values: [],
    prompt: "none",
    synopsis: "resolve <ref>",
    summary: "how a reference resolves, and by which layer",
    load: async () => (await import("./commands/show.js")).resolveCommand
  },
  ls: {
    positionals: 0,
    flags: ["--all"],
    values: ["--cwd", "--since", "--limit"],
    prompt: "none",
    synopsis: "ls [--all] [--cwd DIR] [--since DATE] [--limit N]",
    summary: "the sessions in the store (--all: every Claude session in every Claude home, one row per chain)",
    options: [
      ["--all", "every Claude session in every Claude home, one row per chain, newest activity first"],
      ["--cwd DIR", "only sessions of DIR, another checkout of its repository, or a path --map shows there"],
      ["--since DATE", "only sessions active since DATE (2026-11-20, an ISO time) or an age (30m, 12h, 7d, 2w)"],
      ["--limit N", "at most N rows"]
    ],
    details: "On a terminal the table fits its width: ids shorten to unique prefixes, which every command takes.",
    load: async () => (await import("./commands/ls.js")).ls
  },
  recover: {
    positionals: 0,
    flags: ["--adopt"],
    values: [],
    prompt: "none",
    synopsis: "recover [--adopt]",
    summary:
      "sessions the store does not know: transcripts, and runs a source knows without a Claude id (ChannelCoder's placeholders) tied to their transcripts",
    options: [["--adopt", "give each a stable id, with its whole chain"]],
    load: async () => (await import("./commands/recover.js")).recover
  },
  token: {
    positionals: 1,
    takes: REF,
    flags: [],
    values: [],
    prompt: "none",
    synopsis: "token <ref>",
    summary: "a portable continuation token (start time, cwd, first-prompt hash; never prompt text)",
    load: async () => (await import("./commands/show.js")).token
  },
  index: {
    positionals: 0,
    flags: [],
    values: [],
    prompt: "none",
    synopsis: "index",
    summary: "build or refresh the transcript index",
    load: async () => (await import("./commands/build-index.js")).buildIndex
  },
  watch: {
    positionals: 1,
    takes: REF,
    flags: [],
    values: [],
    prompt: "none",
    synopsis: "watch <ref>",
    summary: "the session's events as JSON lines: all so far, then live until no run of it is going",
    load: async () => (await import("./commands/watch.js")).watch
  },
  events: {
    positionals: 0,
    flags: [],
    values: [],
    prompt: "none",
    synopsis: "events",
    summary: "the whole event log as JSON lines",
    load: async () => (await import("./commands/events.js")).events
  },
  channelcoder: {
    positionals: 1,
    variadic: true,
    takes: "a subcommand: repair [NAME…]",
    flags: ["--dry-run"],
    values: [],
    prompt: "none",
    synopsis: "channelcoder repair [NAME…] [--dry-run]",
    summary:
      "write the real Claude ids into ChannelCoder's session files in place of its detached-<ms> and pending placeholders (atomic, with a backup beside each)",
    options: [["--dry-run", "say what would change, write nothing"]],
    load: async () => (await import("./commands/channelcoder.js")).channelCoder
  },
  sync: {
    positionals: 1,
    takes: "the shared log's URL (postgres://…)",
    flags: [],
    values: [],
    prompt: "none",
    synopsis: "sync URL",
    summary:
      "copy this store's event log into a shared PostgreSQL one and back, idempotently; picks up where it stopped",
    load: async () => (await import("./commands/sync.js")).sync
  },
  help: {
    positionals: 0,
    variadic: true,
    flags: [],
    values: [],
    prompt: "none",
    synopsis: "help [COMMAND]",
    summary: "this help, or a command's own",
    load: async () => async () => undefined
  }
}

/** A command by name (own entries only: "constructor" is no command). */
export const commandEntry = (name: string): CommandEntry | undefined =>
  Object.hasOwn(registry, name) ? registry[name] : undefined

const wrap = (text: string, indent: number, width = 100): string => {
  const words = text.split(" ")
  const lines: Array<string> = []
  let line = ""
  for (const word of words) {
    if (line !== "" && indent + line.length + 1 + word.length > width) {
      lines.push(line)
      line = word
    } else line = line === "" ? word : `${line} ${word}`
  }
  if (line !== "") lines.push(line)
  return lines.join(`\n${" ".repeat(indent)}`)
}

const REFERENCE_HELP = `  <ref>: a cc-session id, a Claude session id, a unique prefix of either, a cct1 token, a label
         (channelcoder:<name>), or a name a source knows (a ChannelCoder detached-<ms>).`

const GLOBAL_OPTIONS = `Global options:
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
  -h, --help           this help; after a command, that command's own

Exit codes: 0 ok, 1 not found, 2 bad usage or input, 3 ambiguous, 4 I/O.`

/** The global help: every command, from the table. */
export const globalUsage = (): string => {
  const lines = Object.values(registry).map((c) =>
    c.synopsis.length <= 21
      ? `  ${c.synopsis.padEnd(21)}  ${wrap(c.summary, 25)}`
      : `  ${c.synopsis}\n${" ".repeat(25)}${wrap(c.summary, 25)}`
  )
  return `cc-session — stable ids for Claude Code sessions, and their Claude session ids found again

Usage: cc-session [global options] <command> [options] [-- PROMPT]

Commands:
${lines.join("\n")}

${REFERENCE_HELP}

${GLOBAL_OPTIONS}
`
}

/** One command's help. */
export const commandUsage = (name: string): string => {
  const c = commandEntry(name)
  if (c === undefined) return globalUsage()
  const options = (c.options ?? []).map(([flag, text]) => `  ${flag.padEnd(16)}  ${wrap(text, 20)}`)
  return `Usage: cc-session [global options] ${c.synopsis}

${wrap(c.summary.charAt(0).toUpperCase() + c.summary.slice(1), 0)}.${c.details === undefined ? "" : `\n${wrap(c.details, 0)}`}
${options.length === 0 ? "" : `\nOptions:\n${options.join("\n")}\n`}${c.takes === REF ? `\n${REFERENCE_HELP}\n` : ""}
Global options: see cc-session --help.
`
}
