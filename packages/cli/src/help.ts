/**
 * The help, global and per command, made from the registry: what a command takes and does is
 * written once, in its own module.
 */
import { REFERENCE } from "./command.js"
import { commandEntry, registry } from "./registry.js"

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

const REFERENCE_HELP = `  <ref>: a cc-session id, a Claude session id, a unique prefix of either, a cct1 token, a title
         (claude -n, /rename, the SDK's renameSession; title:<text> to say so), a label
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
  --vault DIR|URL      the transcript vault: a folder, or a PostgreSQL URL a team shares (env
                         CC_SESSIONS_VAULT_AT; default the --events database, else <store>/vault)
  --version            the version of cc-session
  --json               machine-readable output; errors as {"error":{"code","message"}}
  -h, --help           this help; after a command, that command's own

Exit codes: 0 ok, 1 not found, 2 bad usage or input, 3 ambiguous, 4 I/O, 5 a damaged
vault copy, 6 a file in the way (a restore refused).`

/** The global help: every command, from the table. */
export const globalUsage = (): string => {
  const lines = registry.map((c) =>
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
${options.length === 0 ? "" : `\nOptions:\n${options.join("\n")}\n`}${c.takes === REFERENCE ? `\n${REFERENCE_HELP}\n` : ""}
Global options: see cc-session --help.
`
}
