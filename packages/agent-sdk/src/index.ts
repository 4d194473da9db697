/**
 * `@cc/agent-sdk`: the Agent SDK with stable session ids. Everything the SDK exports is here;
 * `query` and the session functions are cc-sessions' (the SDK's signatures, its return shapes
 * with each row's chain), so a tool changes one import.
 */
export * from "@anthropic-ai/claude-agent-sdk"
export { SessionBusy } from "@cc/vault-keeper"
export { closeSessions } from "./context.js"
export { type AgentSdkError, isAgentSdkError, SessionsEffect } from "./effect.js"
export * from "./errors.js"
export { stableId } from "./observe.js"
export { CcSessionOptions } from "./options.js"
export { type CcQueryOptions, type CcQueryParams, query } from "./query.js"
export { bySdkOrder, type CcSessionInfo, listed, type SdkSessionInfo, sessionInfoOf } from "./session-info.js"
export {
  archiveSession,
  forkSession,
  getSessionInfo,
  getSessionMessages,
  listSessions,
  renameSession,
  tagSession,
  unarchiveSession,
  vaultStoreOf,
  type WithCcSession
} from "./sessions.js"
