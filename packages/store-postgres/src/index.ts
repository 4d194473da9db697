export * from "./promise.js"
export { SCHEMA_VERSION } from "./schema.js"
export * from "./store.js"
export * from "./sync.js"
