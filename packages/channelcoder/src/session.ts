/**
 * ChannelCoder's `session()`, `session.load()` and `session.list()`, with the Claude ids.
 *
 * The session object keeps ChannelCoder 3.0.2's own semantics (its `SessionManager`, read from
 * its dist: the chain, the messages, `autoSave`, `clear()`, the options of every call, worktree
 * and docker modes) and adds what ChannelCoder cannot know:
 *
 * - a new conversation gets its Claude id up front (`--session-id`) where the installed Claude
 *   takes it, so a detached or stream run records the real id, never `detached-<ms>`/`pending`;
 *   elsewhere the id comes from the run's own stream-json output, which a detached run always
 *   writes to a log;
 * - a call that resumes never sends a placeholder: it is replaced first (the run's log, then the
 *   transcripts), waiting up to `resumeWaitMs` (10 s) for a run that has not named its id yet,
 *   else the call fails with a clear error;
 * - every conversation is in the cc-sessions event log: a stable id labeled
 *   `channelcoder:<name>`, opened with its mode, cwd, prompt hash and log, each Claude id,
 *   and each run's start and end;
 * - names ChannelCoder cannot load again (with `/` or `\`) are refused, not saved elsewhere.
 */
import { basename } from "node:path"
import { defaultStoreDir } from "@cc/events"
import type { Session, SessionInfo, SessionStorage } from "channelcoder"
import { BridgeSession } from "./bridge.js"
import { Conversation, freshState } from "./conversation.js"
import { checkSessionName } from "./names.js"
import type { CcOptions, CcSessionOptions } from "./options.js"
import { ccSessionStorage } from "./storage.js"

export { type CcOptions, type CcSessionOptions, detachedLogPath } from "./options.js"

const storageFor = (storeDir: string, storage: SessionStorage | undefined, cwd?: string): SessionStorage =>
  storage ?? ccSessionStorage({ storeDir, record: false, ...(cwd === undefined ? {} : { cwd }) })

/** ChannelCoder's `session(options)`, plus `{ storeDir, claudeHomes, resumeWaitMs }`. */
export function session(options: CcSessionOptions = {}): Session {
  if (options.name !== undefined) checkSessionName(options.name)
  const storeDir = options.storeDir ?? defaultStoreDir()
  const conversation = new Conversation(freshState(options.name), storageFor(storeDir, options.storage, options.cwd), {
    autoSave: options.autoSave ?? true,
    cwd: options.cwd,
    storeDir,
    fresh: true,
    options
  })
  return new BridgeSession(conversation).toSession()
}

/** ChannelCoder's `session.load(nameOrPath, storage?)`, plus `{ storeDir, claudeHomes, resumeWaitMs }`. */
session.load = async (nameOrPath: string, storage?: SessionStorage, options: CcOptions = {}): Promise<Session> => {
  const storeDir = options.storeDir ?? defaultStoreDir()
  const storageImpl = storageFor(storeDir, storage)
  const state = await storageImpl.load(nameOrPath)
  // ChannelCoder's load: autoSave on, no cwd; the conversation is the file's (its stable id by its label)
  const conversation = new Conversation(state, storageImpl, {
    autoSave: true,
    cwd: undefined,
    storeDir,
    fresh: false,
    options,
    savedAs: basename(nameOrPath).replace(/\.json$/, "")
  })
  return new BridgeSession(conversation).toSession()
}

/** ChannelCoder's `session.list(storage?)`. */
session.list = (storage?: SessionStorage, options: Pick<CcOptions, "storeDir"> = {}): Promise<Array<SessionInfo>> =>
  storageFor(options.storeDir ?? defaultStoreDir(), storage).list()
