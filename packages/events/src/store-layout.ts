/**
 * Every path under a cc-sessions store, named once. The store is `$CC_SESSIONS_HOME`, else
 * `~/.channelcoder` (ChannelCoder's own home, whose `sessions/` it shares):
 *
 *   events.jsonl            the event log (with .lock, .lock.queue/, events.torn.jsonl,
 *                           events.fold.json, events.sessions.idx beside it)
 *   index/                  the transcript index and the kept `ls --all` listing
 *   logs/                   detached runs' stream-json logs and sidecars
 *   logs/channelcoder/      the ChannelCoder bridge's logs, by session name
 *   sessions/               ChannelCoder's session files
 *   sync/                   how far each shared log was synced
 *   vault/                  the transcript vault (`@cc/vault`'s file vault)
 *   capabilities.json       what each installed claude supports
 *   cc-sessions.config.json plugin sources
 */
import { homedir } from "node:os"
import { join } from "node:path"

export const EVENTS_FILE = "events.jsonl"
export const QUARANTINE_FILE = "events.torn.jsonl"
/** The newest fold snapshot, beside the log (see `foldLog`). */
export const SNAPSHOT_FILE = "events.fold.json"
/** Plugin sources and other settings of a store. */
export const CONFIG_FILE = "cc-sessions.config.json"

export const defaultStoreDir = (env: NodeJS.ProcessEnv = process.env): string =>
  env.CC_SESSIONS_HOME !== undefined && env.CC_SESSIONS_HOME !== ""
    ? env.CC_SESSIONS_HOME
    : join(homedir(), ".channelcoder")

/** The paths of one store. */
export const storeLayout = (dir: string) => ({
  dir,
  events: join(dir, EVENTS_FILE),
  quarantine: join(dir, QUARANTINE_FILE),
  snapshot: join(dir, SNAPSHOT_FILE),
  config: join(dir, CONFIG_FILE),
  capabilities: join(dir, "capabilities.json"),
  /** Derived files that can be rebuilt: the transcript index, the kept listing. */
  indexDir: join(dir, "index"),
  indexFile: (name: string) => join(dir, "index", name),
  /** A launched run's log (its sidecar beside it). */
  runLog: (stableId: string, runId: string) => join(dir, "logs", `${stableId}.${runId}.log`),
  /** A ChannelCoder bridge run's log, found again from the placeholder or id it ran as. */
  channelCoderLog: (name: string, entry: string) => join(dir, "logs", "channelcoder", name, `${entry}.log`),
  /** ChannelCoder's session files (`<home>/sessions`, the store being its home by default). */
  channelCoderSessions: join(dir, "sessions"),
  /** The transcript vault: copies of transcripts that outlive Claude's cleanup. */
  vault: join(dir, "vault"),
  /** How far a shared log was synced, by a digest of its location. */
  syncProgress: (key: string) => join(dir, "sync", `${key}.json`)
})

export type StoreLayout = ReturnType<typeof storeLayout>
