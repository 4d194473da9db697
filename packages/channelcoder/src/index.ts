/**
 * ChannelCoder's whole public API, with `session` replaced by one that keeps the real Claude
 * ids: `import { session, claude, … } from "@cc/channelcoder"` is the one-line change, whatever
 * the import. Everything but `session` is ChannelCoder's own.
 */

export { replacedLabel } from "@cc/events"
export * from "channelcoder"
export { InvalidSessionName } from "./names.js"
export { type CcOptions, type CcSessionOptions, detachedLogPath, session } from "./session.js"
export { type CcSessionStorage, type CcStorageOptions, ccSessionStorage } from "./storage.js"
