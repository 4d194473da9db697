/** What the bridge takes beyond ChannelCoder's own options, and where it keeps a detached run's log. */
import { storeLayout } from "@cc/events"
import type { SessionOptions } from "channelcoder"

export interface CcOptions {
  /** The cc-sessions store (default `$CC_SESSIONS_HOME`, then `~/.channelcoder`). */
  readonly storeDir?: string
  /** Claude config roots for transcripts (default `$CLAUDE_CONFIG_DIR`, then `~/.claude`). */
  readonly claudeHomes?: ReadonlyArray<string>
  /** How long a resume waits for a run that has not named its Claude id yet (default 10 s). */
  readonly resumeWaitMs?: number
}

export type CcSessionOptions = SessionOptions & CcOptions

/** Where a detached run's log goes when the caller names none: found again from its placeholder. */
export const detachedLogPath = (storeDir: string, name: string, placeholder: string): string =>
  storeLayout(storeDir).channelCoderLog(name, placeholder)
