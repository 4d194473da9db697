/**
 * `ccSessionStorage()`: a ChannelCoder `SessionStorage` that keeps ChannelCoder's file layout
 * (`<home>/sessions/<name>.json`, `JSON.stringify(state, null, 2)`), writes atomically (a temp
 * file and a rename: ChannelCoder's own `writeFile` can leave a half-written file), and records
 * what each save tells about the session as events in the cc-sessions store.
 */
import { mkdirSync } from "node:fs"
import { readdir, readFile } from "node:fs/promises"
import { basename, join } from "node:path"
import {
  defaultStoreDir,
  type EventLog,
  isJsonObject,
  jsonDecoder,
  openEventLog,
  storeLayout,
  writeFileAtomicSync
} from "@cc/events"
import { channelCoderLabel } from "@cc/sources"
import type { SessionInfo, SessionState, SessionStorage } from "channelcoder"
import * as Schema from "effect/Schema"
import { SessionRecorder } from "./record.js"

export interface CcStorageOptions {
  /** The directory runs start in when the session names none (recorded with the session). */
  readonly cwd?: string
  /** The cc-sessions store (default `$CC_SESSIONS_HOME`, then `~/.channelcoder`). */
  readonly storeDir?: string
  /** Where session files go (default `<storeDir>/sessions`, ChannelCoder's own place). */
  readonly basePath?: string
  /**
   * Record each save in the event log (default true). The bridge's `session()` records its
   * conversations itself, and turns this off.
   */
  readonly record?: boolean
}

/** A storage that also hands out the live state objects it saved or loaded. */
export interface CcSessionStorage extends SessionStorage {
  readonly basePath: string
  readonly storeDir: string
  /** The state object ChannelCoder's session holds (the one passed to `save`, or returned by `load`). */
  liveState(name: string): SessionState | undefined
  /** The file name a state is saved under (a name is given to unnamed sessions once). */
  nameOf(state: SessionState): string
  /** The event log, opened on first use. */
  log(): Promise<EventLog>
  /** What records this storage's sessions in the event log. */
  recorder(): Promise<SessionRecorder>
}

/**
 * A session file as ChannelCoder writes it (`JSON.stringify(state, null, 2)`): decoded at the
 * boundary, what ChannelCoder itself needs of it checked, anything else it holds kept.
 */
const StoredSessionState = Schema.Struct({
  sessionChain: Schema.Array(Schema.String),
  currentSessionId: Schema.optionalKey(Schema.String),
  messages: Schema.Array(
    Schema.Struct({
      role: Schema.Literals(["user", "assistant"]),
      content: Schema.String,
      timestamp: Schema.Union([Schema.String, Schema.Number]),
      sessionId: Schema.String
    })
  ),
  metadata: Schema.Struct({
    name: Schema.optionalKey(Schema.String),
    created: Schema.Union([Schema.String, Schema.Number]),
    lastActive: Schema.Union([Schema.String, Schema.Number])
  })
})
const decodeSessionFile = jsonDecoder(StoredSessionState, "not a ChannelCoder session")

/** A stored session as ChannelCoder's own `load` returns it: its dates as Date objects. */
const toSessionState = (stored: typeof StoredSessionState.Type): SessionState => ({
  sessionChain: [...stored.sessionChain],
  ...(stored.currentSessionId === undefined ? {} : { currentSessionId: stored.currentSessionId }),
  messages: stored.messages.map((m) => ({ ...m, timestamp: new Date(m.timestamp) })),
  metadata: {
    ...(stored.metadata.name === undefined ? {} : { name: stored.metadata.name }),
    created: new Date(stored.metadata.created),
    lastActive: new Date(stored.metadata.lastActive)
  }
})

const fileName = (name: string) => (name.endsWith(".json") ? name : `${name}.json`)

export const ccSessionStorage = (options: CcStorageOptions = {}): CcSessionStorage => {
  const storeDir = options.storeDir ?? defaultStoreDir()
  const basePath = options.basePath ?? storeLayout(storeDir).channelCoderSessions
  const live = new Map<string, SessionState>()
  const names = new WeakMap<SessionState, string>()
  let opened: Promise<EventLog> | undefined
  const log = () => {
    opened ??= openEventLog({ dir: storeDir })
    return opened
  }
  let recording: Promise<SessionRecorder> | undefined
  const recorder = () => {
    recording ??= log().then((l) => new SessionRecorder(l))
    return recording
  }
  const nameOf = (state: SessionState, given?: string): string => {
    const known = given ?? state.metadata.name ?? names.get(state)
    // ChannelCoder names an unnamed save session-<ms>.json anew each time: one name per state here
    const name = known === undefined ? `session-${Date.now()}` : basename(fileName(known), ".json")
    names.set(state, name)
    return name
  }
  return {
    basePath,
    storeDir,
    log,
    recorder,
    liveState: (name) => live.get(basename(fileName(name), ".json")),
    nameOf: (state) => nameOf(state),
    async save(state, name) {
      const fileBase = nameOf(state, name)
      mkdirSync(basePath, { recursive: true, mode: 0o700 })
      const path = join(basePath, fileName(fileBase))
      writeFileAtomicSync(path, JSON.stringify(state, null, 2))
      live.set(fileBase, state)
      if (options.record === false) return path
      await (await recorder()).recordSave(
        channelCoderLabel(fileBase),
        state,
        options.cwd === undefined ? {} : { cwd: options.cwd }
      )
      return path
    },
    async load(nameOrPath) {
      const path =
        nameOrPath.includes("/") || nameOrPath.includes("\\") ? nameOrPath : join(basePath, fileName(nameOrPath))
      let text: string
      try {
        text = await readFile(path, "utf8")
      } catch (error) {
        // ChannelCoder's own wording, so callers that match on it keep working
        throw new Error(`Failed to load session from ${path}: ${error}`)
      }
      const decoded = decodeSessionFile(text)
      if (decoded._tag === "Bad") throw new Error(`Failed to load session from ${path}: ${decoded.reason}`)
      // what ChannelCoder needs, checked; anything else the file holds (a newer ChannelCoder's) kept
      const extra: unknown = JSON.parse(text)
      const state: SessionState = Object.assign(isJsonObject(extra) ? extra : {}, toSessionState(decoded.value))
      const name = basename(path, ".json")
      names.set(state, name)
      live.set(name, state)
      return state
    },
    async list() {
      let files: Array<string>
      try {
        files = await readdir(basePath)
      } catch {
        return []
      }
      const sessions: Array<SessionInfo> = []
      for (const file of files) {
        if (!file.endsWith(".json")) continue
        const path = join(basePath, file)
        try {
          const decoded = decodeSessionFile(await readFile(path, "utf8"))
          if (decoded._tag === "Bad") continue
          const state = decoded.value
          sessions.push({
            name: state.metadata.name ?? basename(file, ".json"),
            path,
            created: new Date(state.metadata.created),
            lastActive: new Date(state.metadata.lastActive),
            messageCount: state.messages.length
          })
        } catch {
          // a file that is not a session (or half-written by another writer) is not listed
        }
      }
      return sessions.sort((a, b) => b.lastActive.getTime() - a.lastActive.getTime())
    }
  }
}
