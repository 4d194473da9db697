/**
 * The transcripts cc-sessions' index found, as the SDK's `SessionStore`: the SDK's own
 * readers and writers (`getSessionMessages`, `forkSession`) then work on the file the index
 * names, in whichever Claude home it is, without the SDK looking for it through
 * `CLAUDE_CONFIG_DIR` (which a library must not change under a running process). A session the
 * SDK writes (a fork) goes beside the one it came from.
 */
import { appendFileSync, mkdirSync, readFileSync } from "node:fs"
import { dirname, join } from "node:path"
import { errnoCode, isJsonObject } from "@cc/events"

interface Key {
  readonly projectKey: string
  readonly sessionId: string
  readonly subpath?: string
}
type Entry = { readonly type: string } & Record<string, unknown>

export interface LocalStore {
  load(key: Key): Promise<Array<Entry> | null>
  append(key: Key, entries: Array<Entry>): Promise<void>
}

/** Lines that are JSON objects with a type, in file order: a torn or foreign line is left out, as the SDK's reader does. */
const entriesOf = (text: string): Array<Entry> =>
  text.split("\n").flatMap((line) => {
    if (line.trim() === "") return []
    try {
      const value: unknown = JSON.parse(line)
      return isJsonObject(value) && typeof value.type === "string" ? [value as Entry] : []
    } catch {
      return []
    }
  })

export const localStore = (pathOf: (sessionId: string) => string | undefined, folderForNew: string): LocalStore => {
  const fileOf = (key: Key): string => {
    const own = pathOf(key.sessionId) ?? join(folderForNew, `${key.sessionId}.jsonl`)
    return key.subpath === undefined ? own : join(dirname(own), key.sessionId, `${key.subpath}.jsonl`)
  }
  return {
    load: async (key) => {
      try {
        return entriesOf(readFileSync(fileOf(key), "utf8"))
      } catch (error) {
        if (errnoCode(error) === "ENOENT") return null
        throw error
      }
    },
    append: async (key, entries) => {
      const file = fileOf(key)
      mkdirSync(dirname(file), { recursive: true, mode: 0o700 })
      appendFileSync(file, entries.map((e) => `${JSON.stringify(e)}\n`).join(""), { mode: 0o600 })
    }
  }
}
