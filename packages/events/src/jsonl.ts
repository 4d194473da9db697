/**
 * Streaming JSONL line reader: reads a file from a byte offset in fixed-size chunks, so
 * memory stays bounded whatever the file size, and a line longer than `maxLineBytes` is
 * skipped (reported, not buffered).
 */
import { readSync } from "node:fs"
import { open } from "node:fs/promises"

export interface JsonlReadOptions {
  readonly from?: number
  /** Stop before this byte offset (exclusive); default: the end of the file at each read. */
  readonly to?: number
  readonly chunkBytes?: number
  readonly maxLineBytes?: number
}

export type JsonlItem =
  | { readonly _tag: "Line"; readonly offset: number; readonly length: number; readonly text: string }
  | { readonly _tag: "Oversized"; readonly offset: number; readonly length: number }
  /** Always last. `nextOffset` is the end of the last complete line; `pending` trails it. */
  | { readonly _tag: "End"; readonly nextOffset: number; readonly pending: number }

export const DEFAULT_MAX_LINE_BYTES = 16 * 1024 * 1024

/** Reads `length` bytes at `position` of an open file, or fewer at its end. */
export const readRangeSync = (fd: number, position: number, length: number): Buffer => {
  const buffer = Buffer.allocUnsafe(length)
  let done = 0
  while (done < length) {
    const n = readSync(fd, buffer, done, length - done, position + done)
    if (n === 0) break
    done += n
  }
  return buffer.subarray(0, done)
}
const NEWLINE = 0x0a

/**
 * Cuts chunks of a file into lines. A line longer than `maxLineBytes` is skipped as it
 * streams by (its length is counted, its bytes are not kept).
 */
class LineSplitter {
  #lineStart: number
  #carry: Array<Buffer> = []
  #carryBytes = 0
  #skipping = false

  constructor(
    from: number,
    readonly maxLineBytes: number
  ) {
    this.#lineStart = from
  }

  *feed(buffer: Buffer, bytesRead: number): Generator<JsonlItem> {
    let cursor = 0
    while (cursor < bytesRead) {
      const nl = buffer.indexOf(NEWLINE, cursor)
      if (nl === -1 || nl >= bytesRead) {
        const tail = bytesRead - cursor
        if (!this.#skipping && this.#carryBytes + tail > this.maxLineBytes) {
          this.#skipping = true
          this.#carry = []
        } else if (!this.#skipping) {
          this.#carry.push(Buffer.from(buffer.subarray(cursor, bytesRead)))
        }
        this.#carryBytes += tail
        return
      }
      const length = this.#carryBytes + (nl - cursor)
      if (this.#skipping || length > this.maxLineBytes) {
        yield { _tag: "Oversized", offset: this.#lineStart, length }
      } else {
        const piece = buffer.subarray(cursor, nl)
        const text =
          this.#carry.length === 0 ? piece.toString("utf8") : Buffer.concat([...this.#carry, piece]).toString("utf8")
        yield { _tag: "Line", offset: this.#lineStart, length, text }
      }
      this.#lineStart += length + 1
      this.#carry = []
      this.#carryBytes = 0
      this.#skipping = false
      cursor = nl + 1
    }
  }

  end(position: number): JsonlItem {
    return { _tag: "End", nextOffset: this.#lineStart, pending: position - this.#lineStart }
  }
}

const wanted = (options: JsonlReadOptions, chunkBytes: number, position: number): number =>
  options.to === undefined ? chunkBytes : Math.min(chunkBytes, options.to - position)

export async function* readJsonlLines(path: string, options: JsonlReadOptions = {}): AsyncGenerator<JsonlItem> {
  const from = options.from ?? 0
  const chunkBytes = options.chunkBytes ?? 256 * 1024
  const splitter = new LineSplitter(from, options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES)
  const handle = await open(path, "r")
  try {
    const buffer = Buffer.allocUnsafe(chunkBytes)
    let position = from
    for (let want = wanted(options, chunkBytes, position); want > 0; want = wanted(options, chunkBytes, position)) {
      const { bytesRead } = await handle.read(buffer, 0, want, position)
      if (bytesRead === 0) break
      yield* splitter.feed(buffer, bytesRead)
      position += bytesRead
    }
    yield splitter.end(position)
  } finally {
    await handle.close()
  }
}

/**
 * The same lines from an open file descriptor, synchronously: for short bounded reads (a
 * transcript's head), where a thread-pool round trip per chunk costs more than the read.
 * The caller owns the descriptor.
 */
export function* readJsonlLinesSync(
  fd: number,
  options: JsonlReadOptions & {
    /** Bytes already read from `from` (a prefetch): split first, then reading goes on after them. */
    readonly initial?: Buffer
  } = {}
): Generator<JsonlItem> {
  const from = options.from ?? 0
  const chunkBytes = options.chunkBytes ?? 256 * 1024
  const splitter = new LineSplitter(from, options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES)
  let position = from
  if (options.initial !== undefined) {
    yield* splitter.feed(options.initial, options.initial.length)
    position += options.initial.length
  }
  // allocated only if the prefetch did not hold what the caller wanted
  let buffer: Buffer | undefined
  for (let want = wanted(options, chunkBytes, position); want > 0; want = wanted(options, chunkBytes, position)) {
    buffer ??= Buffer.allocUnsafe(chunkBytes)
    const bytesRead = readSync(fd, buffer, 0, want, position)
    if (bytesRead === 0) break
    yield* splitter.feed(buffer, bytesRead)
    position += bytesRead
  }
  yield splitter.end(position)
}
