export * from "./promise.js"
export * from "./store.js"
export * from "./sync.js"
