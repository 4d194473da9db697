export * from "./claim.js"
export * from "./keep.js"
