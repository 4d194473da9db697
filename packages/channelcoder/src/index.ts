export { type CcOptions, type CcSessionOptions, detachedLogPath, session } from "./session.js"
export { type CcSessionStorage, type CcStorageOptions, ccSessionStorage } from "./storage.js"
