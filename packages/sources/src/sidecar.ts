/**
 * The sidecar of a detached run: `output.log` → `output.session.json`, written atomically by
 * the launcher as soon as the stream's `system/init` line names the Claude session.
 */
import { readFile } from "node:fs/promises"
import { ClaudeSessionId, errnoCode, messageOf, StableId } from "@cc/events"
import * as Schema from "effect/Schema"
import { jsonDecoder } from "./json.js"

export const SIDECAR_VERSION = 1

export const Sidecar = Schema.Struct({
  version: Schema.Literal(SIDECAR_VERSION),
  stableId: Schema.optionalKey(StableId),
  claudeSessionId: Schema.optionalKey(ClaudeSessionId),
  cwd: Schema.optionalKey(Schema.String),
  pid: Schema.optionalKey(Schema.Int),
  logPath: Schema.optionalKey(Schema.String),
  startedAt: Schema.optionalKey(Schema.String),
  updatedAt: Schema.optionalKey(Schema.String),
  finished: Schema.optionalKey(
    Schema.Struct({
      exitCode: Schema.NullOr(Schema.Int),
      isError: Schema.optionalKey(Schema.Boolean),
      resultSubtype: Schema.optionalKey(Schema.String)
    })
  )
})
export type Sidecar = typeof Sidecar.Type

const decodeSidecarText = jsonDecoder(Sidecar, "sidecar does not match the sidecar schema")

export type SidecarRead =
  | { readonly _tag: "Ok"; readonly sidecar: Sidecar }
  | { readonly _tag: "Missing" }
  | { readonly _tag: "Invalid"; readonly reason: string }

export const decodeSidecar = (text: string): SidecarRead => {
  const decoded = decodeSidecarText(text)
  if (decoded._tag === "Ok") return { _tag: "Ok", sidecar: decoded.value }
  return {
    _tag: "Invalid",
    reason: decoded.reason === "not valid JSON" ? "sidecar is not valid JSON (torn or corrupt)" : decoded.reason
  }
}

export const readSidecar = async (path: string): Promise<SidecarRead> => {
  let text: string
  try {
    text = await readFile(path, "utf8")
  } catch (error) {
    if (errnoCode(error) === "ENOENT") return { _tag: "Missing" }
    return { _tag: "Invalid", reason: `sidecar unreadable: ${messageOf(error)}` }
  }
  return decodeSidecar(text)
}
