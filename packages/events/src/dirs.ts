import { chmodSync, mkdirSync, statSync } from "node:fs"
import { dirname, resolve } from "node:path"

/**
 * `mkdir -p` with our modes: creates the missing directories of `path` one at a time (0700 by
 * default, tightened past the umask) and returns the first one it created. Node's own
 * `mkdirSync(…, { recursive: true })` never returns on some pseudo-filesystems (a path under
 * /proc): one component at a time, every failure is an error instead.
 */
export const ensureDirectory = (path: string, mode = 0o700): string | undefined => {
  const target = resolve(path)
  const missing: Array<string> = []
  let current = target
  for (;;) {
    try {
      if (!statSync(current).isDirectory()) {
        throw Object.assign(new Error(`${current} is not a directory`), { code: "ENOTDIR" })
      }
      break
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error
      missing.push(current)
      const parent = dirname(current)
      if (parent === current) break
      current = parent
    }
  }
  for (const dir of missing.reverse()) {
    try {
      mkdirSync(dir, { mode })
      chmodSync(dir, mode)
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error
    }
  }
  return missing[0]
}
