/** Where a ChannelCoder call runs: its worktree (made as ChannelCoder makes it) or its cwd, checked to exist. */
import { directoryProblem } from "@cc/events"
import type { ClaudeOptions } from "channelcoder"
import { ensureWorktree } from "./runner.js"

export type RunDirectory =
  | { readonly _tag: "Dir"; readonly dir: string | undefined }
  | { readonly _tag: "Worktree"; readonly error: unknown }
  | { readonly _tag: "Cwd"; readonly problem: string }

/** Where a call runs: its worktree's path (made if need be, as ChannelCoder does), else its cwd; checked to exist. */
export const runDirectory = async (options: ClaudeOptions, cwd: string | undefined): Promise<RunDirectory> => {
  let dir = cwd
  if (options.worktree && !options.docker) {
    try {
      dir = await ensureWorktree(options.worktree, cwd)
    } catch (error) {
      return { _tag: "Worktree", error }
    }
  }
  const problem = options.docker ? undefined : dir === undefined ? undefined : directoryProblem(dir)
  return problem === undefined ? { _tag: "Dir", dir } : { _tag: "Cwd", problem }
}
