/**
 * A session's own folder (`<project folder>/<id>/`): what the SDK and Claude keep beside a
 * transcript there (the archive mark, the subagents' transcripts) is stamped in the index by
 * the mtime of what it is, looked at with one `lstat` each.
 */
import { lstatSync } from "node:fs"

/** The mtime of what is at `path` if it is a `kind` (its stamp in the index), 0 when there is none. */
export const stampOf = (path: string, kind: "file" | "directory"): number => {
  try {
    // most sessions have neither mark: an exception each would cost more than the stat
    const s = lstatSync(path, { throwIfNoEntry: false })
    if (s === undefined) return 0
    return (kind === "file" ? s.isFile() : s.isDirectory()) ? s.mtimeMs : 0
  } catch {
    // none, or one that cannot be looked at: nothing there
    return 0
  }
}
