/**
 * What the last searches found, kept so that a search repeated over transcripts that did not
 * change reads none of them, and one over grown transcripts reads only what was appended since.
 *
 * `<store>/index/search.v1.jsonl` (0600): a line per remembered search (the last
 * `REMEMBERED`), keyed by a SHA-256 of the search (never its text), each line led by the
 * SHA-256 of the rest (a damaged line is no memory). Per transcript: its inode and first-line
 * digest (another file, or one rewritten in place, is searched again whole), how far it was
 * searched, and its newest matching message, if any. The snippet is conversation text, kept on
 * this machine only, as the index keeps first prompts. `--no-memory` (or
 * `CC_SESSIONS_SEARCH_MEMORY=0`) searches without it and leaves it as it is.
 */
import { createHash } from "node:crypto"
import { readFileSync } from "node:fs"
import type { IndexedTranscript } from "@cc/cache"
import { jsonDecoder, storeLayout, writeFileAtomicSync } from "@cc/events"
import { type SearchHit, type SearchMatcher, searchTranscriptRange } from "@cc/sources"
import * as Schema from "effect/Schema"

const REMEMBERED = 8

const Hit = Schema.Struct({
  timestamp: Schema.optionalKey(Schema.String),
  role: Schema.Literals(["user", "assistant"]),
  snippet: Schema.String
})

const Searched = Schema.Struct({
  ino: Schema.Number,
  head: Schema.String,
  /** The end of the last complete line searched. */
  to: Schema.Int,
  hit: Schema.NullOr(Hit)
})
type Searched = typeof Searched.Type

const Remembered = Schema.Struct({
  key: Schema.String,
  usedAt: Schema.Number,
  files: Schema.Record(Schema.String, Searched)
})
type Remembered = typeof Remembered.Type
const decodeRemembered = jsonDecoder(Remembered, "not a remembered search")

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex")

export const searchMemoryFile = (storeDir: string): string => storeLayout(storeDir).indexFile("search.v1.jsonl")

/** The memory of one search: asked per transcript, saved once the search is done. */
export class SearchMemory {
  readonly #file: string
  readonly #key: string
  readonly #others: Array<string>
  readonly #files: Record<string, Searched>
  #changed = false

  private constructor(file: string, key: string, others: Array<string>, files: Record<string, Searched>) {
    this.#file = file
    this.#key = key
    this.#others = others
    this.#files = files
  }

  /** The memory of the search `text` (`regex`: as a regular expression) kept in `file`. */
  static open(file: string, text: string, regex: boolean): SearchMemory {
    const key = sha256(JSON.stringify([text, regex]))
    let lines: Array<string> = []
    try {
      lines = readFileSync(file, "utf8").split("\n")
    } catch {
      // none yet
    }
    let files: Record<string, Searched> = {}
    const others: Array<string> = []
    for (const line of lines) {
      const space = line.indexOf(" ")
      const body = line.slice(space + 1)
      if (space !== 64 || sha256(body) !== line.slice(0, 64)) continue
      if (!body.startsWith(`{"key":"${key}"`)) {
        others.push(line)
        continue
      }
      const decoded = decodeRemembered(body)
      if (decoded._tag === "Ok" && decoded.value.key === key) files = { ...decoded.value.files }
    }
    return new SearchMemory(file, key, others, files)
  }

  /** The newest matching message of a transcript: from memory, reading only what it does not cover. */
  async newestHit(t: IndexedTranscript, matcher: SearchMatcher): Promise<SearchHit | undefined> {
    const known = Object.hasOwn(this.#files, t.path) ? this.#files[t.path] : undefined
    const same = known !== undefined && known.ino === t.ino && known.head === t.headDigest && known.to <= t.size
    if (same && known.to === t.size) return known.hit ?? undefined
    const { hits, nextOffset } = await searchTranscriptRange(t.path, matcher, same ? { from: known.to } : {})
    // a hit in what was appended is newer than any before it
    const hit = hits.at(-1) ?? (same ? (known.hit ?? undefined) : undefined)
    this.#files[t.path] = { ino: t.ino, head: t.headDigest, to: nextOffset, hit: hit ?? null }
    this.#changed = true
    return hit
  }

  /** Keeps this search (and the last few others); one that cannot be kept is made again next time. */
  save(): void {
    if (!this.#changed) return
    const body = JSON.stringify({ key: this.#key, usedAt: Date.now(), files: this.#files } satisfies Remembered)
    const lines = [`${sha256(body)} ${body}`, ...this.#others.slice(0, REMEMBERED - 1)]
    try {
      writeFileAtomicSync(this.#file, `${lines.join("\n")}\n`, 0o600, { durable: false })
    } catch {
      // a read-only store: searched afresh next time
    }
  }
}
