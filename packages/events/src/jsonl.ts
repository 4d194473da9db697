/**
 * Streaming JSONL line reader: reads a file from a byte offset in fixed-size chunks, so
 * memory stays bounded whatever the file size, and a line longer than `maxLineBytes` is
 * skipped (reported, not buffered).
 */
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
const NEWLINE = 0x0a

export async function* readJsonlLines(path: string, options: JsonlReadOptions = {}): AsyncGenerator<JsonlItem> {
  const from = options.from ?? 0
  const chunkBytes = options.chunkBytes ?? 256 * 1024
  const maxLineBytes = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES
  const handle = await open(path, "r")
  try {
    const buffer = Buffer.allocUnsafe(chunkBytes)
    let position = from
    let lineStart = from
    let carry: Array<Buffer> = []
    let carryBytes = 0
    let skipping = false
    for (;;) {
      const want = options.to === undefined ? chunkBytes : Math.min(chunkBytes, options.to - position)
      if (want <= 0) break
      const { bytesRead } = await handle.read(buffer, 0, want, position)
      if (bytesRead === 0) break
      let cursor = 0
      while (cursor < bytesRead) {
        const nl = buffer.indexOf(NEWLINE, cursor)
        if (nl === -1 || nl >= bytesRead) {
          const tail = bytesRead - cursor
          if (!skipping) {
            if (carryBytes + tail > maxLineBytes) {
              skipping = true
              carry = []
              carryBytes += tail
            } else {
              carry.push(Buffer.from(buffer.subarray(cursor, bytesRead)))
              carryBytes += tail
            }
          } else {
            carryBytes += tail
          }
          cursor = bytesRead
          break
        }
        const length = carryBytes + (nl - cursor)
        if (skipping || length > maxLineBytes) {
          yield { _tag: "Oversized", offset: lineStart, length }
        } else {
          const piece = buffer.subarray(cursor, nl)
          const text = carry.length === 0 ? piece.toString("utf8") : Buffer.concat([...carry, piece]).toString("utf8")
          yield { _tag: "Line", offset: lineStart, length, text }
        }
        lineStart = lineStart + length + 1
        carry = []
        carryBytes = 0
        skipping = false
        cursor = nl + 1
      }
      position += bytesRead
    }
    yield { _tag: "End", nextOffset: lineStart, pending: position - lineStart }
  } finally {
    await handle.close()
  }
}
