/**
 * `cc-session channelcoder repair [NAME…] [--dry-run]`: writes the real Claude ids into
 * ChannelCoder's own session files, in place of the `detached-<ms>` and `pending` placeholders
 * it recorded, so that ChannelCoder's next call resumes the real conversation.
 *
 * Safe by construction: a file is rewritten only when every placeholder replaced in it was
 * resolved with certainty (others are left as they are, with the reason); through a temp file
 * and a rename, with the file's mode; only if it has not changed since it was read; with a
 * backup of the old content beside it. A file that cannot be fully parsed is never touched.
 */
import { readFileSync, statSync } from "node:fs"
import { type ClaudeSessionId, messageOf, storeLayout, writeFileAtomicSync } from "@cc/events"
import type { RunOutcome } from "@cc/resolver"
import {
  type ChannelCoderReplacement,
  channelCoderRuns,
  channelCoderSessionFiles,
  readChannelCoderFile,
  replaceChannelCoderPlaceholders
} from "@cc/sources"
import { CliFailure, type Context, human } from "../context.js"

interface FileReport {
  name: string
  path: string
  status: "repaired" | "would-repair" | "unchanged" | "skipped" | "refused"
  reason?: string
  replacements: Array<ChannelCoderReplacement>
  appended: Array<ClaudeSessionId>
  unresolved: Array<{ placeholder: string; reason: string; candidates?: ReadonlyArray<unknown> }>
  backup?: string
}

/** Writes `text` over `path` atomically, keeping its mode, if it still holds `expected`. */
const replaceFile = (path: string, expected: string, text: string, backup: string): void => {
  const mode = statSync(path).mode & 0o777
  writeFileAtomicSync(backup, expected, mode)
  // ChannelCoder writes without a lock: look once more right before the rename
  if (readFileSync(path, "utf8") !== expected) throw new CliFailure("io", `${path} changed while it was being repaired`)
  writeFileAtomicSync(path, text, mode)
}

export const channelCoder = async (ctx: Context): Promise<void> => {
  const [sub, ...names] = ctx.parsed.positionals
  if (sub !== "repair") throw new CliFailure("usage", `unknown channelcoder command ${JSON.stringify(sub)}: try repair`)
  const dryRun = ctx.parsed.flags.has("--dry-run")
  const { files, reason } = await channelCoderSessionFiles(ctx.channelCoderHome)
  if (reason !== undefined && names.length > 0) throw new CliFailure("not_found", reason)
  const chosen =
    names.length === 0
      ? files
      : names.map((name) => {
          const file = files.find((f) => f.name === name || f.name === name.replace(/\.json$/, ""))
          if (file === undefined) {
            throw new CliFailure(
              "not_found",
              `no ChannelCoder session ${name} in ${storeLayout(ctx.channelCoderHome).channelCoderSessions}`
            )
          }
          return file
        })
  const opened = await ctx.open()
  await opened.cache.ensureFresh()
  const reports: Array<FileReport> = []
  for (const { name, path } of chosen) {
    const report: FileReport = { name, path, status: "unchanged", replacements: [], appended: [], unresolved: [] }
    reports.push(report)
    const file = await readChannelCoderFile(path)
    if (file._tag === "Invalid") {
      report.status = "skipped"
      report.reason = `${file.reason}: left untouched`
      continue
    }
    const { raw, text } = file
    const outcomes: Array<RunOutcome> = []
    for (const run of channelCoderRuns(file.session, name, path)) outcomes.push(await opened.resolver.resolveRun(run))
    for (const o of outcomes) {
      if (o._tag === "Ambiguous")
        report.unresolved.push({ placeholder: o.run.placeholder, reason: o.reason, candidates: o.candidates })
      if (o._tag === "Unresolved") report.unresolved.push({ placeholder: o.run.placeholder, reason: o.reason })
    }
    const resolved = outcomes.flatMap((o) => (o._tag === "Resolved" ? [o] : []))
    const { record, replacements, appended } = replaceChannelCoderPlaceholders(raw, resolved, (id) =>
      opened.resolver.chainOf(id)
    )
    report.replacements = replacements
    report.appended = appended
    if (replacements.length === 0) continue
    if (dryRun) {
      report.status = "would-repair"
      continue
    }
    const backup = `${path}.bak-${Date.now()}`
    try {
      // ChannelCoder writes JSON.stringify(state, null, 2): the same layout, so a diff shows only ids
      replaceFile(path, text, `${JSON.stringify(record, null, 2)}`, backup)
      report.status = "repaired"
      report.backup = backup
    } catch (error) {
      report.status = "refused"
      report.reason =
        error instanceof CliFailure
          ? `${error.message}: not written, run repair again`
          : `could not be written: ${messageOf(error)}`
    }
  }
  if (ctx.json) ctx.out(JSON.stringify(reports))
  else {
    for (const r of reports) {
      ctx.out(
        human({
          session: r.name,
          status: r.status,
          ...(r.reason === undefined ? {} : { reason: r.reason }),
          replaced: r.replacements.map((x) => `${x.placeholder} -> ${x.claudeSessionId}`),
          ...(r.appended.length === 0 ? {} : { "chain gained": r.appended }),
          ...(r.unresolved.length === 0
            ? {}
            : { "left as it is": r.unresolved.map((u) => `${u.placeholder}: ${u.reason}`) }),
          ...(r.backup === undefined ? {} : { backup: r.backup })
        })
      )
      ctx.out("")
    }
  }
  const failed = reports.filter((r) => r.status === "skipped" || r.status === "refused" || r.unresolved.length > 0)
  if (failed.length > 0) {
    throw new CliFailure(
      "not_found",
      `${failed.length} of ${reports.length} session files not fully repaired: ${failed.map((r) => r.name).join(", ")}`,
      { printed: ctx.json }
    )
  }
}
