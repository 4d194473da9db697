/** One project folder of the transcript index: its files' stamps at once, their details and links when first asked for. */
import { createHash } from "node:crypto"
import { join } from "node:path"
import { claudeSessionIdOf } from "@cc/events"
import * as Exit from "effect/Exit"
import {
  decodeDetails,
  digestOf,
  type FolderStamps,
  type IndexedLink,
  type IndexedTranscript,
  type StoredDetails
} from "./index-format.js"

// a loaded index's stamps are views of one array already: hashed as they are, not copied
const float64s = (numbers: ArrayLike<number>): Float64Array =>
  numbers instanceof Float64Array ? numbers : Float64Array.from(numbers)

/**
 * A folder's fingerprint: its files' ids, sizes, mtimes, inodes, archive marks and subagents
 * folders hashed. Everything the index holds of a folder follows from them.
 */
export const fingerprintOf = (stamps: FolderStamps): string =>
  createHash("sha256")
    .update(stamps.ids.join(","))
    .update(float64s(stamps.sizes))
    .update(float64s(stamps.mtimes))
    .update(float64s(stamps.inodes))
    .update(float64s(stamps.archives))
    .update(float64s(stamps.subagents))
    .digest("base64url")
    .slice(0, 22)

const stampsOf = (files: ReadonlyArray<IndexedTranscript>): FolderStamps => ({
  ids: files.map((t) => t.claudeSessionId),
  sizes: files.map((t) => t.size),
  mtimes: files.map((t) => t.mtimeMs),
  inodes: files.map((t) => t.ino),
  archives: files.map((t) => t.archive?.mtimeMs ?? 0),
  subagents: files.map((t) => t.subagents?.mtimeMs ?? 0)
})

export interface FolderContents {
  readonly files: ReadonlyArray<IndexedTranscript>
  readonly links: ReadonlyArray<IndexedLink>
}

/** One project folder of the index: its files' stamps now, their details and links on demand. */
export class FolderIndex {
  #contents: FolderContents | undefined
  /** The folder's line as stored, read from the index file on first use, and its digest. */
  #storedDetails: (() => Buffer | undefined) | undefined
  readonly #storedDigest: string | undefined
  #undecodable = false
  #byChild: { links: ReadonlyArray<IndexedLink>; byChild: Map<string, Array<IndexedLink>> } | undefined

  private constructor(
    readonly folder: string,
    readonly root: string,
    readonly stamps: FolderStamps,
    contents: FolderContents | undefined,
    storedDetails: (() => Buffer | undefined) | undefined,
    storedDigest?: string
  ) {
    this.#contents = contents
    this.#storedDetails = storedDetails
    this.#storedDigest = storedDigest
  }

  static of(
    folder: string,
    root: string,
    files: ReadonlyArray<IndexedTranscript>,
    links: ReadonlyArray<IndexedLink>
  ): FolderIndex {
    return new FolderIndex(folder, root, stampsOf(files), { files, links }, undefined)
  }

  /** A folder as stored: `details` gives its own line, checked against `digest`, decoded on first use. */
  static stored(
    folder: string,
    root: string,
    stamps: FolderStamps,
    details: () => Buffer | undefined,
    digest: string
  ): FolderIndex {
    return new FolderIndex(folder, root, stamps, undefined, details, digest)
  }

  /** The stored line, if it is still the one its digest names. */
  #intactDetails(): Buffer | undefined {
    const bytes = this.#storedDetails?.()
    return bytes !== undefined && digestOf(bytes) === this.#storedDigest ? bytes : undefined
  }

  /** How many transcripts the folder holds. */
  get size(): number {
    return this.stamps.ids.length
  }

  /** Its stored details were decoded and found damaged: a refresh must read the folder again. */
  get damaged(): boolean {
    return this.#undecodable
  }

  /**
   * The folder's transcripts. `undefined` when its stored line does not decode (the file was
   * damaged after it was written): the next refresh reads the folder again.
   */
  files(): ReadonlyArray<IndexedTranscript> | undefined {
    return this.#decoded()?.files
  }

  /** Resume and fork links between the folder's transcripts (none if its line is damaged). */
  links(): ReadonlyArray<IndexedLink> {
    return this.#decoded()?.links ?? []
  }

  /** The links into one of its sessions (looked up by child: listings ask for every session). */
  linksInto(id: string): ReadonlyArray<IndexedLink> {
    const links = this.links()
    if (links.length === 0) return links
    if (this.#byChild?.links !== links) {
      const byChild = new Map<string, Array<IndexedLink>>()
      for (const link of links) byChild.set(link.to, [...(byChild.get(link.to) ?? []), link])
      this.#byChild = { links, byChild }
    }
    return this.#byChild.byChild.get(id) ?? []
  }

  #decoded(): FolderContents | undefined {
    if (this.#contents !== undefined || this.#undecodable) return this.#contents
    this.#contents = this.#decode()
    this.#undecodable = this.#contents === undefined
    return this.#contents
  }

  #decode(): FolderContents | undefined {
    let value: unknown
    try {
      value = JSON.parse(this.#intactDetails()?.toString("utf8") ?? "")
    } catch {
      return undefined
    }
    const decoded = decodeDetails(value)
    if (Exit.isFailure(decoded) || decoded.value.files.length !== this.size) return undefined
    const { ids, sizes, mtimes, inodes } = this.stamps
    const files: Array<IndexedTranscript> = []
    for (const [i, details] of decoded.value.files.entries()) {
      // the stamps line is decoded without the id check (the warm path reads only it): checked here
      const claudeSessionId = claudeSessionIdOf(ids[i] ?? "")
      const size = sizes[i]
      const mtimeMs = mtimes[i]
      const ino = inodes[i]
      if (claudeSessionId === undefined || size === undefined || mtimeMs === undefined || ino === undefined)
        return undefined
      files.push({
        path: join(this.folder, `${claudeSessionId}.jsonl`),
        root: this.root,
        folder: this.folder,
        claudeSessionId,
        size,
        mtimeMs,
        ino,
        ...details
      })
    }
    return { files, links: decoded.value.links }
  }

  /**
   * The folder's own line: as it was read, while nothing in it changed. `undefined` if it
   * cannot be had (its index file was replaced or damaged since): the folder is then left
   * out of a saved index, to be read again.
   */
  storedDetails(): Buffer | string | undefined {
    if (this.#storedDetails !== undefined && !this.#undecodable) {
      // written back as it was only while it is intact: damage is never given a new digest
      const stored = this.#intactDetails()
      if (stored !== undefined) return stored
      if (this.#contents === undefined) {
        this.#undecodable = true
        return undefined
      }
    }
    const contents = this.#decoded()
    if (contents === undefined) return undefined
    const files: Array<StoredDetails> = contents.files.map(
      ({ path, root, folder, claudeSessionId, size, mtimeMs, ino, ...rest }) => rest
    )
    return JSON.stringify({ links: contents.links, files })
  }
}
