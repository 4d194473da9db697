import { closeSync, type Dirent, openSync, read } from "node:fs"
import { readdir } from "node:fs/promises"

/** One short, clear reason for an fs failure, for diagnostics. */
export const fsReason = (error: unknown, what: string): string => {
  const code = typeof error === "object" && error !== null && "code" in error ? String(error.code) : undefined
  switch (code) {
    case "ENOENT":
      return `${what} does not exist (or vanished during the scan)`
    case "EACCES":
    case "EPERM":
      return `no permission to read ${what}`
    case "ENOTDIR":
      return `${what} is not a directory`
    case "ELOOP":
      return `${what} is a symlink loop`
    case "EISDIR":
      return `${what} is a directory`
    default:
      return `could not read ${what}: ${error instanceof Error ? error.message : String(error)}`
  }
}

export type ListResult =
  | { readonly _tag: "Ok"; readonly entries: Array<Dirent> }
  | { readonly _tag: "Failed"; readonly reason: string }

export const listDir = async (path: string, what: string): Promise<ListResult> => {
  try {
    return { _tag: "Ok", entries: await readdir(path, { withFileTypes: true }) }
  } catch (error) {
    return { _tag: "Failed", reason: fsReason(error, what) }
  }
}

/** Maps over items with at most `limit` promises in flight, keeping input order. */
export const mapLimit = async <A, B>(
  items: ReadonlyArray<A>,
  limit: number,
  f: (a: A) => Promise<B>
): Promise<Array<B>> => {
  const out: Array<B> = new Array(items.length)
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++
      out[i] = await f(items[i] as A)
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker))
  return out
}

/**
 * Reads into `buffer` from `position`; resolves to the number of bytes read. The callback API:
 * a `FileHandle` costs several times more per file, which a scan of thousands of transcripts
 * is made of.
 */
export const readAt = (fd: number, buffer: Buffer, position: number): Promise<number> =>
  new Promise((resolve, reject) =>
    read(fd, buffer, 0, buffer.length, position, (error, bytesRead) => (error ? reject(error) : resolve(bytesRead)))
  )

/**
 * Opens a file for a short synchronous read and always closes it. Bounded reads of a few KB
 * are cheaper synchronously than through the thread pool (one round trip each for open,
 * read and close), which is what a scan of thousands of transcripts is made of.
 */
export const withFile = <A>(path: string, f: (fd: number) => A): A => {
  const fd = openSync(path, "r")
  try {
    return f(fd)
  } finally {
    closeSync(fd)
  }
}
