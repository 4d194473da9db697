/**
 * When two cwds are "the same repository": a git worktree or a container mount of a checkout
 * must be found from the main checkout's cwd. Claude Code keeps each path in its own project
 * folder, so this is decided here, from paths (and git, when both paths exist on this disk).
 */
import { execFileSync } from "node:child_process"
import { existsSync } from "node:fs"
import { dirname, resolve } from "node:path"

/** Layouts where tools put worktrees of `<repo>`, as (pattern → repo) rules. */
const worktreeLayouts: ReadonlyArray<RegExp> = [
  // most specific first: "<repo>/.worktrees/x" must not read as "<repo>/" + ".worktrees/x"
  /^(.+)\/\.claude\/worktrees\/[^/]+$/, // <repo>/.claude/worktrees/<name>
  /^(.+)\/\.worktrees\/[^/]+$/, // <repo>/.worktrees/<name>
  /^(.+)\.worktrees\/[^/]+$/, // <repo>.worktrees/<name>
  /^(.+)--claude-worktrees-[^/]+$/ // <repo>--claude-worktrees-<name> (Claude Code)
]

export interface PathMapping {
  /** A path prefix as a transcript records it (inside a container: `/workspace`). */
  readonly from: string
  /** The same directory on this machine. */
  readonly to: string
}

const trimSlash = (path: string): string => (path.length > 1 && path.endsWith("/") ? path.slice(0, -1) : path)

export const applyMappings = (cwd: string, mappings: ReadonlyArray<PathMapping>): string => {
  const path = trimSlash(cwd)
  for (const { from, to } of mappings) {
    const prefix = trimSlash(from)
    if (path === prefix) return trimSlash(to)
    if (path.startsWith(`${prefix}/`)) return trimSlash(to) + path.slice(prefix.length)
  }
  return path
}

const gitCache = new Map<string, string | undefined>()

/** The repository's common git dir, when `cwd` exists here and git answers quickly. */
const gitCommonDir = (cwd: string): string | undefined => {
  if (gitCache.has(cwd)) return gitCache.get(cwd)
  let result: string | undefined
  if (existsSync(cwd)) {
    try {
      const out = execFileSync("git", ["-C", cwd, "rev-parse", "--git-common-dir"], {
        encoding: "utf8",
        stdio: ["ignore", "pipe", "ignore"],
        timeout: 2000
      }).trim()
      result = out === "" ? undefined : resolve(cwd, out)
    } catch {
      result = undefined
    }
  }
  gitCache.set(cwd, result)
  return result
}

/** A key equal for every checkout of one repository that we can recognise. */
export const repoKey = (cwd: string, options: { readonly useGit?: boolean } = {}): string => {
  const path = trimSlash(cwd)
  if (options.useGit !== false) {
    const common = gitCommonDir(path)
    // the main checkout's directory: the same key the layout rules give a removed worktree
    if (common !== undefined) return common.endsWith("/.git") ? dirname(common) : common
  }
  for (const layout of worktreeLayouts) {
    const match = layout.exec(path)
    if (match?.[1] !== undefined) return match[1]
  }
  return path
}

/** "exact" for the same path, "repository" for another checkout of the same repository. */
export const cwdRelation = (
  wanted: string,
  seen: string,
  options: { readonly mappings?: ReadonlyArray<PathMapping>; readonly useGit?: boolean } = {}
): "exact" | "repository" | "none" => {
  const a = trimSlash(wanted)
  const b = applyMappings(seen, options.mappings ?? [])
  if (a === b) return "exact"
  return repoKey(a, options) === repoKey(b, options) ? "repository" : "none"
}
