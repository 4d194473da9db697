import { homedir } from "node:os"
import { basename, dirname, join } from "node:path"

/**
 * Claude Code's project folder name for a cwd: every `/` and `.` becomes `-`. Lossy (a `-`
 * in the path looks the same), so a folder is only a hint: the transcript's own `cwd` decides.
 */
export const encodeCwd = (cwd: string): string => cwd.replace(/[/.]/g, "-")

/** Where Claude Code keeps its data: `$CLAUDE_CONFIG_DIR`, else `~/.claude`. */
export const defaultClaudeHomes = (env: NodeJS.ProcessEnv = process.env): Array<string> =>
  env.CLAUDE_CONFIG_DIR !== undefined && env.CLAUDE_CONFIG_DIR !== ""
    ? env.CLAUDE_CONFIG_DIR.split(":").filter((p) => p !== "")
    : [join(homedir(), ".claude")]

/** The sidecar beside a detached run's log: `output.log` → `output.session.json`. */
export const sidecarPathFor = (logPath: string): string => {
  const name = basename(logPath)
  const stem = name.endsWith(".log") ? name.slice(0, -".log".length) : name
  return join(dirname(logPath), `${stem}.session.json`)
}

/** A transcript's file name, `<uuid>.jsonl`; the session id it claims is the first group. */
export const TRANSCRIPT_FILE_NAME = /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\.jsonl$/

/** The session id a transcript file name claims, if it is `<uuid>.jsonl`. */
export const sessionIdFromFileName = (name: string): string | undefined => TRANSCRIPT_FILE_NAME.exec(name)?.[1]

/** A folder entry name that may be joined to a path: no separators, no `..`, no NUL. */
export const isSafeName = (name: string): boolean =>
  name !== "" && name !== "." && name !== ".." && !name.includes("/") && !name.includes("\\") && !name.includes("\0")
