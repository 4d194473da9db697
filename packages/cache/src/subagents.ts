/**
 * A session's subagents: `<project folder>/<id>/subagents/agent-*.jsonl`, one transcript per
 * Task Claude ran (2.1.x; the Agent SDK's reader counts them the same way). Stamped by that
 * folder's mtime, which changes only when a subagent comes or goes: appends to one leave it be.
 */
import { readdirSync } from "node:fs"
import { join } from "node:path"
import type { SourceDiagnostic } from "@cc/sources"
import { fsReason } from "@cc/sources"
import type { IndexedTranscript } from "./index-format.js"
import { stampOf } from "./session-folder.js"
import { diagnostic } from "./transcript-entry.js"

export const SUBAGENTS_FOLDER = "subagents"
const SUBAGENT_FILE = /^agent-.+\.jsonl$/

/** The subagents folder's mtime (its stamp in the index), 0 when there is none. */
export const subagentsMtime = (sessionFolder: string): number =>
  stampOf(join(sessionFolder, SUBAGENTS_FOLDER), "directory")

/** The transcript with its subagents counted from `<sessionFolder>/subagents` (stamped `mtimeMs`; 0: none). */
export const withSubagents = (
  t: IndexedTranscript,
  sessionFolder: string,
  mtimeMs: number,
  diagnostics: Array<SourceDiagnostic>
): IndexedTranscript => {
  const { subagents: _old, ...rest } = t
  if (mtimeMs === 0) return rest
  const folder = join(sessionFolder, SUBAGENTS_FOLDER)
  try {
    const count = readdirSync(folder).filter((name) => SUBAGENT_FILE.test(name)).length
    return { ...rest, subagents: { count, mtimeMs } }
  } catch (error) {
    diagnostics.push(diagnostic(fsReason(error, "subagents folder"), folder))
    return rest
  }
}
