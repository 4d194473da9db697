import { homedir } from "node:os"
import { basename, dirname, join } from "node:path"

/** Longer folder names are cut to this many characters and given a hash of the whole cwd. */
const MAX_FOLDER_NAME = 200

/** The 32-bit string hash Claude Code names a cut folder by (`h = 31h + c`, over UTF-16 units). */
const folderHash = (text: string): string => {
  let h = 0
  for (let i = 0; i < text.length; i++) h = (h * 31 + text.charCodeAt(i)) | 0
  return Math.abs(h).toString(36)
}

/**
 * Claude Code's project folder name for a cwd, as 2.1.332 and its Agent SDK make it: every
 * character but an ASCII letter or digit becomes `-`, and a name over 200 characters is cut
 * there and given `-` and a hash of the cwd. Lossy (a `-` in the path looks the same), so a
 * folder is only a hint: the transcript's own `cwd` decides.
 */
export const encodeCwd = (cwd: string): string => {
  const name = cwd.replace(/[^a-zA-Z0-9]/g, "-")
  return name.length <= MAX_FOLDER_NAME ? name : `${name.slice(0, MAX_FOLDER_NAME)}-${folderHash(cwd)}`
}

/**
 * The folder name `CLAUDE_CODE_PROJECT_DIR_NAME` gives every cwd (2.1.234 on), if it applies:
 * Claude honours it only beside `CLAUDE_CONFIG_DIR`, and only a plain name (letters, digits,
 * `_` and `-`, at most 64, not a name Windows reserves).
 */
export const projectFolderOverride = (env: NodeJS.ProcessEnv = process.env): string | undefined => {
  const name = env.CLAUDE_CODE_PROJECT_DIR_NAME
  if ((env.CLAUDE_CONFIG_DIR ?? "").trim() === "" || name === undefined) return undefined
  return /^[A-Za-z0-9_-]{1,64}$/.test(name) && !/^(?:con|prn|aux|nul|com[0-9]|lpt[0-9])$/i.test(name) ? name : undefined
}

/** The project folder Claude Code keeps a cwd's sessions in, under the environment `env`. */
export const projectFolderName = (cwd: string, env: NodeJS.ProcessEnv = process.env): string =>
  projectFolderOverride(env) ?? encodeCwd(cwd)

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
