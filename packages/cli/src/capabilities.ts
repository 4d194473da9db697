/**
 * What the installed claude can do, from its own `--help` (2.1.x has `--session-id` and
 * `--fork-session`; 1.0.30 has neither), found on PATH as a shell would find it and cached in
 * the store by binary path and mtime.
 */
import { spawnSync } from "node:child_process"
import { existsSync, readFileSync, statSync } from "node:fs"
import { delimiter, join, resolve } from "node:path"
import { ensureDirectory, jsonDecoder, storeLayout, writeFileAtomicSync } from "@cc/events"
import * as Schema from "effect/Schema"

/** Resolves `claude` on PATH the way a shell would, so capabilities can be cached by file. */
export const findExecutable = (bin: string): string | undefined => {
  if (bin.includes("/")) return existsSync(bin) ? resolve(bin) : undefined
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    const candidate = join(dir, bin)
    if (dir !== "" && existsSync(candidate)) return candidate
  }
  return undefined
}

const CapabilitiesFile = Schema.Record(
  Schema.String,
  Schema.Struct({ mtimeMs: Schema.Number, sessionId: Schema.Boolean, forkSession: Schema.Boolean })
)
const decodeCapabilities = jsonDecoder(CapabilitiesFile, "not a capabilities file")

export interface Capabilities {
  readonly sessionId: boolean
  readonly forkSession: boolean
}

/**
 * What the installed CLI supports, from its `--help` (2.1.x has `--session-id` and
 * `--fork-session`; 1.0.30 has neither), cached by binary path and mtime.
 */
export const detectCapabilities = async (bin: string, storeDir: string): Promise<Capabilities> => {
  const path = findExecutable(bin) ?? bin
  let mtimeMs = 0
  try {
    mtimeMs = statSync(path).mtimeMs
  } catch {
    // not a file we can stat: ask the binary every time
  }
  const cacheFile = storeLayout(storeDir).capabilities
  let cache: Record<string, { mtimeMs: number; sessionId: boolean; forkSession: boolean }> = {}
  try {
    const decoded = decodeCapabilities(readFileSync(cacheFile, "utf8"))
    if (decoded._tag === "Ok") cache = { ...decoded.value }
  } catch {
    // no cache yet, or one that cannot be read: asked afresh
  }
  const hit = cache[path]
  if (hit !== undefined && hit.mtimeMs === mtimeMs && mtimeMs !== 0) return hit
  const help = spawnSync(path, ["--help"], { encoding: "utf8", timeout: 30_000, stdio: ["ignore", "pipe", "pipe"] })
  const text = `${help.stdout ?? ""}${help.stderr ?? ""}`
  const capabilities = { sessionId: text.includes("--session-id"), forkSession: text.includes("--fork-session") }
  cache[path] = { mtimeMs, ...capabilities }
  try {
    ensureDirectory(storeDir)
    writeFileAtomicSync(cacheFile, JSON.stringify(cache))
  } catch {
    // a cache we cannot write is only slower
  }
  return capabilities
}
