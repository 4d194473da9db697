/**
 * A directory's git worktrees, as the SDK's `listSessions({ dir })` includes them: every
 * checkout `git worktree list` names (none when `dir` is not in a repository, or git is slow).
 */
import { execFileSync } from "node:child_process"

export const worktreesOf = (dir: string): Array<string> => {
  let out: string
  try {
    out = execFileSync("git", ["-C", dir, "worktree", "list", "--porcelain"], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
      timeout: 2000
    })
  } catch {
    return []
  }
  return out
    .split("\n")
    .filter((line) => line.startsWith("worktree "))
    .map((line) => line.slice("worktree ".length))
}
