export * from "./cache.js"
export * from "./index-file.js"
export * from "./refresh.js"
