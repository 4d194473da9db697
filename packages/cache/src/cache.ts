import { readdirSync, statSync } from "node:fs"
import { rm, stat } from "node:fs/promises"
import { dirname, join } from "node:path"
import { storeLayout } from "@cc/events"
import { listDir, type SourceDiagnostic } from "@cc/sources"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { type FolderIndex, fingerprintOf } from "./folder-index.js"
import {
  emptyIndex,
  indexedLinks,
  indexedTranscripts,
  loadIndexFile,
  saveIndexFile,
  type TranscriptIndexData
} from "./index-file.js"
import { INDEX_VERSION, type IndexedLink, type IndexedTranscript } from "./index-format.js"
import { type RefreshOptions, type RefreshResult, refreshIndex } from "./refresh.js"

/**
 * A refresh that only read appended lines leaves the file as it was until the bytes appended
 * since it was saved pass this share of its size (at least `MIN_UNSAVED_BYTES`), or more than
 * `MAX_UNSAVED_FILES` files were appended to: re-reading them (an open and a few reads each)
 * costs a new process about what rewriting the index would. A live session's transcript is one
 * file; a machine where many sessions moved is saved at once.
 */
const UNSAVED_SHARE_OF_INDEX = 1 / 8
const MIN_UNSAVED_BYTES = 64 * 1024
const MAX_UNSAVED_FILES = 8

const fileBytes = (path: string): number => statSync(path, { throwIfNoEntry: false })?.size ?? 0

export interface TranscriptCacheOptions {
  /** Claude config roots holding `projects/`. */
  readonly roots: ReadonlyArray<string>
  /** Where the index is kept; without it the cache lives in memory only. */
  readonly file?: string
}

/** The default index file inside a cc-sessions store directory. */
export const indexFileIn = (storeDir: string): string =>
  storeLayout(storeDir).indexFile(`transcripts.v${INDEX_VERSION}.jsonl`)

/**
 * The transcript index, loaded once and refreshed on demand. Lookups touch no transcript
 * content: they read the index in memory.
 */
export class TranscriptCache {
  #index: TranscriptIndexData
  /** Which folder holds each session id, from the stamps alone. */
  #byId: Map<string, Array<FolderIndex>> | undefined
  #all: ReadonlyArray<IndexedTranscript> | undefined
  #links: ReadonlyArray<IndexedLink> | undefined
  #fingerprints: { readonly index: TranscriptIndexData; readonly prints: ReadonlyMap<string, string> } | undefined
  #refreshed = false
  /** The in-memory index differs from the file (partial refreshes, a rejected file). */
  #dirty = false
  /** Appended transcript bytes read since the index was last saved (the file is behind by them), and in how many files. */
  #unsavedBytes = 0
  #unsavedFiles = 0
  /** The index file's size when last loaded or saved. */
  #fileBytes = 0
  /** Why a persisted index was not used (corrupt, old version, other roots), if it was not. */
  readonly rejected: string | undefined
  /** What the refreshes so far could not read (a missing home, a folder or file without permission), each once. */
  readonly #diagnostics = new Map<string, SourceDiagnostic>()

  private constructor(
    readonly options: TranscriptCacheOptions,
    index: TranscriptIndexData,
    rejected: string | undefined
  ) {
    this.#index = index
    this.rejected = rejected
    this.#dirty = rejected !== undefined
  }

  static async open(options: TranscriptCacheOptions): Promise<TranscriptCache> {
    if (options.file === undefined) return new TranscriptCache(options, emptyIndex(options.roots), undefined)
    const loaded = await loadIndexFile(options.file, options.roots)
    // the indexes of earlier versions beside it are never read again
    if (loaded._tag === "Missing")
      for (const older of [
        "transcripts.v2.json",
        "transcripts.v3.jsonl",
        "transcripts.v4.jsonl",
        "transcripts.v5.jsonl"
      ])
        await rm(join(dirname(options.file), older), { force: true }).catch(() => undefined)
    const cache =
      loaded._tag === "Loaded"
        ? new TranscriptCache(options, loaded.index, undefined)
        : new TranscriptCache(
            options,
            emptyIndex(options.roots),
            loaded._tag === "Rejected" ? loaded.reason : undefined
          )
    cache.#fileBytes = fileBytes(options.file)
    return cache
  }

  get index(): TranscriptIndexData {
    return this.#index
  }

  /** Whether this instance has refreshed at least once (a loaded index may be stale). */
  get refreshed(): boolean {
    return this.#refreshed
  }

  /** What the refreshes so far could not read, each once (`severity` "info": a home with no sessions yet). */
  diagnostics(): ReadonlyArray<SourceDiagnostic> {
    return [...this.#diagnostics.values()]
  }

  #keep(result: RefreshResult): void {
    for (const d of result.diagnostics) this.#diagnostics.set(`${d.path ?? ""}\u0000${d.reason}`, d)
  }

  /**
   * Brings the index up to date (one stat per unchanged file) and saves it if it has a file and
   * the file is behind by more than a few appended lines.
   */
  async refresh(options: RefreshOptions = {}): Promise<RefreshResult> {
    const result = await refreshIndex(this.options.roots, this.#index, options)
    this.#keep(result)
    const { stats } = result
    // what re-reading costs the next process is only the bytes appended since the file was
    // saved; rewriting the whole file for a few appended lines would cost it far more
    const structural = stats.added + stats.reread + stats.removed + stats.foldersRelinked + stats.marked > 0
    this.#unsavedBytes += stats.appendedBytes
    this.#unsavedFiles += stats.appended
    const save =
      this.#dirty ||
      structural ||
      this.#unsavedFiles > MAX_UNSAVED_FILES ||
      this.#unsavedBytes > Math.max(MIN_UNSAVED_BYTES, this.#fileBytes * UNSAVED_SHARE_OF_INDEX)
    this.#index = result.index
    this.#byId = undefined
    this.#all = undefined
    this.#links = undefined
    this.#refreshed = true
    // nothing changed: the file on disk already says all this (a warm refresh writes nothing)
    if (this.options.file !== undefined && save) {
      await saveIndexFile(this.options.file, result.index)
      this.#fileBytes = fileBytes(this.options.file)
      this.#unsavedBytes = 0
      this.#unsavedFiles = 0
    }
    this.#dirty = false
    return result
  }

  /**
   * Refreshes only the given project folders, in memory: a cold lookup of one session reads
   * its own folder, not the whole tree. The cache still counts as never refreshed.
   */
  async refreshFolders(folders: ReadonlyArray<string>): Promise<RefreshResult> {
    const result = await refreshIndex(this.options.roots, this.#index, { onlyFolders: folders })
    this.#keep(result)
    this.#index = result.index
    this.#byId = undefined
    this.#all = undefined
    this.#links = undefined
    // only a folder that changed makes the saved index stale
    this.#dirty ||= result.stats.unchanged !== result.stats.files || result.stats.removed > 0 || result.stats.marked > 0
    return result
  }

  /**
   * Whether a project folder holds other transcript files than the index knows (one listing,
   * no stat): a new file there is a new session, or a new member of a chain (a 1.0.x resume).
   */
  folderHasNewFiles(folder: string): boolean {
    const known = this.#index.folders.get(folder)
    if (known === undefined) return true
    let names: Array<string>
    try {
      names = readdirSync(folder).filter((name) => name.endsWith(".jsonl"))
    } catch {
      return true
    }
    const ids = new Set<string>(known.stamps.ids)
    return names.length !== ids.size || names.some((name) => !ids.has(name.slice(0, -".jsonl".length)))
  }

  /** The project folders holding a transcript named `<id>.jsonl`: one stat per folder. */
  async foldersOf(claudeSessionId: string): Promise<Array<string>> {
    if (!/^[0-9a-f-]{36}$/.test(claudeSessionId)) return []
    const hits: Array<string> = []
    for (const root of this.options.roots) {
      const listed = await listDir(join(root, "projects"), "Claude projects folder")
      if (listed._tag === "Failed") continue
      for (const dirent of listed.entries) {
        const folder = join(root, "projects", dirent.name)
        try {
          if ((await stat(join(folder, `${claudeSessionId}.jsonl`))).isFile()) hits.push(folder)
        } catch {
          // not in this folder
        }
      }
    }
    return hits
  }

  /**
   * Refreshes if this instance never has. A folder whose stored details turn out damaged
   * when decoded is read again here, so that `all()` right after answers for every file.
   */
  async ensureFresh(): Promise<void> {
    if (!this.#refreshed) await this.refresh()
    this.all()
    if ([...this.#index.folders.values()].some((folder) => folder.damaged)) await this.refresh()
  }

  /** Every session's transcript (memoised until the next refresh: warm lookups call it often). */
  all(): ReadonlyArray<IndexedTranscript> {
    this.#all ??= indexedTranscripts(this.#index).filter((t) => !t.sidechain)
    return this.#all
  }

  /** One session's transcript: only the folder that holds it is decoded. */
  byClaudeId(id: string): IndexedTranscript | undefined {
    return this.#holder(id)
      ?.files()
      ?.find((t) => t.claudeSessionId === id && !t.sidechain)
  }

  /**
   * A session's file, its size and its mtime as the index last saw them: from the stamps alone,
   * no folder's details decoded (a listing of every session asks for all of them).
   */
  stampOf(id: string): { readonly path: string; readonly size: number; readonly mtimeMs: number } | undefined {
    const folder = this.#holder(id)
    const at = folder?.stamps.ids.indexOf(id) ?? -1
    if (folder === undefined || at < 0) return undefined
    const size = folder.stamps.sizes[at]
    const mtimeMs = folder.stamps.mtimes[at]
    if (size === undefined || mtimeMs === undefined) return undefined
    return { path: join(folder.folder, `${id}.jsonl`), size, mtimeMs }
  }

  /** The folder whose stamps name this session's file. */
  #holder(id: string): FolderIndex | undefined {
    return this.#holders(id)?.at(-1)
  }

  /** Every folder whose stamps name this session's file (the same id in two Claude homes). */
  #holders(id: string): ReadonlyArray<FolderIndex> | undefined {
    if (this.#byId === undefined) {
      this.#byId = new Map()
      for (const folder of this.#index.folders.values()) {
        for (const id of folder.stamps.ids) {
          const held = this.#byId.get(id)
          if (held === undefined) this.#byId.set(id, [folder])
          else held.push(folder)
        }
      }
    }
    return this.#byId.get(id)
  }

  /** Every transcript of one session id, in every Claude home and folder that has one (only those folders decoded). */
  copiesOf(id: string): Array<IndexedTranscript> {
    return (this.#holders(id) ?? [])
      .flatMap((folder) => folder.files() ?? [])
      .filter((t) => t.claudeSessionId === id && !t.sidechain)
  }

  /** Every transcript file of one session id, in every Claude home and folder that has one. */
  pathsOf(id: string): Array<string> {
    return this.copiesOf(id).map((t) => t.path)
  }

  /**
   * Each project folder's fingerprint: its files' ids, sizes, mtimes, inodes and archive marks.
   * Everything the index holds of a folder follows from them, so an equal fingerprint is an
   * unchanged folder (a listing made from it needs no rebuilding).
   */
  folderFingerprints(): ReadonlyMap<string, string> {
    if (this.#fingerprints?.index !== this.#index) {
      const prints = new Map<string, string>()
      for (const [path, folder] of this.#index.folders) prints.set(path, fingerprintOf(folder.stamps))
      this.#fingerprints = { index: this.#index, prints }
    }
    return this.#fingerprints.prints
  }

  /**
   * The transcripts of some project folders (in index order, as `all()` gives them), or
   * `undefined` if one of them is damaged (a refresh reads it again).
   */
  transcriptsIn(folders: ReadonlySet<string>): ReadonlyArray<IndexedTranscript> | undefined {
    const found: Array<IndexedTranscript> = []
    for (const [path, folder] of this.#index.folders) {
      if (!folders.has(path)) continue
      const files = folder.files()
      if (files === undefined) return undefined
      for (const t of files) if (!t.sidechain) found.push(t)
    }
    return found
  }

  /** The links of some project folders, in index order (as `links()` gives them). */
  linksIn(folders: ReadonlySet<string>): ReadonlyArray<IndexedLink> {
    return [...this.#index.folders].flatMap(([path, folder]) => (folders.has(path) ? folder.links() : []))
  }

  /** The links of one project folder. */
  linksOfFolder(folder: string): ReadonlyArray<IndexedLink> {
    return this.#index.folders.get(folder)?.links() ?? []
  }

  /** The session ids a project folder's stamps name (none for a folder the index does not hold). */
  idsIn(folder: string): ReadonlyArray<string> {
    return this.#index.folders.get(folder)?.stamps.ids ?? []
  }

  /** The project folders whose stamps name this session's file (the same id in two Claude homes: each). */
  indexedFoldersOf(claudeSessionId: string): ReadonlyArray<string> {
    return (this.#holders(claudeSessionId) ?? []).map((folder) => folder.folder)
  }

  /**
   * The project folders whose stamps name any of these sessions' files. A few ids asked once
   * (a listing's update) are looked for in each folder's stamps: a map of every id would cost
   * more than the whole update.
   */
  indexedFoldersOfAny(claudeSessionIds: ReadonlySet<string>): ReadonlySet<string> {
    const found = new Set<string>()
    if (this.#byId !== undefined) {
      for (const id of claudeSessionIds) for (const folder of this.#byId.get(id) ?? []) found.add(folder.folder)
      return found
    }
    for (const folder of this.#index.folders.values())
      if (folder.stamps.ids.some((id) => claudeSessionIds.has(id))) found.add(folder.folder)
    return found
  }

  links(): ReadonlyArray<IndexedLink> {
    this.#links ??= indexedLinks(this.#index)
    return this.#links
  }

  /**
   * The links into one session (it was forked or resumed from another): only the folder that
   * holds it is decoded, since a fork or resume is made in its parent's own folder.
   */
  linksInto(id: string): ReadonlyArray<IndexedLink> {
    const holders = this.#holders(id) ?? []
    // the same id in two Claude homes: the links of every copy's folder, whichever comes first
    return holders.length === 1 ? (holders[0]?.linksInto(id) ?? []) : holders.flatMap((folder) => folder.linksInto(id))
  }
}

/** The cache as an Effect service. */
export class TranscriptCacheService extends Context.Service<TranscriptCacheService, TranscriptCache>()(
  "@cc/cache/TranscriptCache"
) {}

export const transcriptCacheLayer = (options: TranscriptCacheOptions): Layer.Layer<TranscriptCacheService> =>
  Layer.effect(
    TranscriptCacheService,
    Effect.promise(() => TranscriptCache.open(options))
  )
