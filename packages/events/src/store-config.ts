/** The store's `cc-sessions.config.json` read once for whoever reads a part of it (plugins, the vault policy). */
import { readFileSync } from "node:fs"
import { errnoCode } from "./errno.js"
import { storeLayout } from "./store-layout.js"

export type StoreConfigText =
  | { readonly _tag: "None" }
  | { readonly _tag: "Unreadable"; readonly path: string; readonly reason: string }
  | { readonly _tag: "Text"; readonly path: string; readonly text: string }

/** The config's text; no config (or no store yet) is `None`, the store's own errors being the command's to report. */
export const storeConfigText = (storeDir: string): StoreConfigText => {
  const path = storeLayout(storeDir).config
  try {
    return { _tag: "Text", path, text: readFileSync(path, "utf8") }
  } catch (error) {
    const code = errnoCode(error)
    if (code === "ENOENT" || code === "ENOTDIR") return { _tag: "None" }
    return { _tag: "Unreadable", path, reason: error instanceof Error ? error.message : String(error) }
  }
}
