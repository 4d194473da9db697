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
import {
  chmodSync,
  closeSync,
  fsyncSync,
  openSync,
  readFileSync,
  renameSync,
  statSync,
  unlinkSync,
  writeSync
} from "node:fs"
import { basename, dirname, join } from "node:path"
import type { ClaudeSessionId } from "@cc/events"
import type { OpenedResolver, RunOutcome } from "@cc/resolver"
import {
  channelCoderRuns,
  channelCoderSessionFiles,
  decodeChannelCoderSession,
  isChannelCoderPlaceholder
} from "@cc/sources"
import * as Exit from "effect/Exit"
import { CliFailure, type Context, human } from "../context.js"

interface Replacement {
  readonly placeholder: string
  readonly claudeSessionId: ClaudeSessionId
  readonly where: ReadonlyArray<string>
}

interface FileReport {
  name: string
  path: string
  status: "repaired" | "would-repair" | "unchanged" | "skipped" | "refused"
  reason?: string
  replacements: Array<Replacement>
  appended: Array<ClaudeSessionId>
  unresolved: Array<{ placeholder: string; reason: string; candidates?: ReadonlyArray<unknown> }>
  backup?: string
}

type Json = { [key: string]: unknown }

/**
 * The new content of one session record, from its raw JSON (unknown fields kept as they are)
 * and the outcomes of its runs. Pure.
 */
export const repairedRecord = (
  raw: Json,
  outcomes: ReadonlyArray<RunOutcome>,
  chainOf: (id: ClaudeSessionId) => ReadonlyArray<ClaudeSessionId>
): { record: Json; replacements: Array<Replacement>; appended: Array<ClaudeSessionId> } => {
  const record: Json = structuredClone(raw)
  const chain = Array.isArray(record.sessionChain) ? [...(record.sessionChain as Array<unknown>)] : undefined
  const messages = Array.isArray(record.messages) ? (record.messages as Array<Json>) : []
  const replacements: Array<Replacement> = []
  const appended: Array<ClaudeSessionId> = []
  const firstMessage = new Map<string, number>()
  for (const outcome of outcomes) {
    if (outcome._tag !== "Resolved") continue
    const { placeholder } = outcome.run
    const id = outcome.claudeSessionId
    const where: Array<string> = []
    if (placeholder === "pending") {
      // one stream run: its user message and the answers that followed it, up to the next prompt
      const start = outcome.run.position ?? -1
      for (let i = start; i >= 0 && i < messages.length; i++) {
        const m = messages[i] as Json
        if (i > start && m.role === "user") break
        if (m.sessionId === "pending") {
          m.sessionId = id
          where.push(`messages[${i}]`)
        }
      }
    } else {
      messages.forEach((m, i) => {
        if (m.sessionId === placeholder) {
          m.sessionId = id
          where.push(`messages[${i}]`)
        }
      })
      if (chain !== undefined) {
        chain.forEach((c, i) => {
          if (c === placeholder) {
            chain[i] = id
            where.push(`sessionChain[${i}]`)
          }
        })
      }
      if (record.currentSessionId === placeholder) {
        record.currentSessionId = id
        where.push("currentSessionId")
      }
    }
    if (where.length === 0) continue
    replacements.push({ placeholder, claudeSessionId: id, where })
    firstMessage.set(id, outcome.run.position ?? Number.POSITIVE_INFINITY)
  }
  if (replacements.length === 0) return { record: raw, replacements, appended }
  // the next call resumes sessionChain's last id: it must hold every real conversation, in the
  // order they ran, ending with the latest id of the last one (a 1.0.x resume makes a new id)
  const ids = (chain ?? []).filter((c): c is string => typeof c === "string")
  const order = (id: string): number => {
    const at = messages.findIndex((m) => m.sessionId === id)
    return at === -1 ? (firstMessage.get(id) ?? Number.POSITIVE_INFINITY) : at
  }
  const wanted = [...ids]
  for (const { claudeSessionId } of replacements) {
    for (const member of chainOf(claudeSessionId)) {
      if (!wanted.includes(member)) {
        wanted.push(member)
        appended.push(member)
      }
    }
  }
  const placed = wanted
    .map((id, i) => ({ id, i, at: isChannelCoderPlaceholder(id) ? Number.POSITIVE_INFINITY : order(id) }))
    .sort((a, b) => (a.at === b.at ? a.i - b.i : a.at - b.at))
    .map((x) => x.id)
  if (chain !== undefined || appended.length > 0) record.sessionChain = placed
  const last = placed.at(-1)
  if (last !== undefined && !isChannelCoderPlaceholder(last) && record.currentSessionId !== last) {
    record.currentSessionId = last
  }
  return { record, replacements, appended }
}

/** Writes `text` over `path` atomically, keeping its mode, if it still holds `expected`. */
const replaceFile = (path: string, expected: string, text: string, backup: string): void => {
  const mode = statSync(path).mode & 0o777
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`)
  const write = (target: string, content: string) => {
    const fd = openSync(target, "wx", mode)
    try {
      writeSync(fd, content)
      fsyncSync(fd)
    } finally {
      closeSync(fd)
    }
    chmodSync(target, mode)
  }
  write(temp, text)
  try {
    write(backup, expected)
    // ChannelCoder writes without a lock: look once more right before the rename
    if (readFileSync(path, "utf8") !== expected)
      throw new CliFailure("io", `${path} changed while it was being repaired`)
    renameSync(temp, path)
  } catch (error) {
    try {
      unlinkSync(temp)
    } catch {
      // renamed already, or never written
    }
    throw error
  }
}

export const channelCoder = async (ctx: Context, opened: OpenedResolver): Promise<void> => {
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
              `no ChannelCoder session ${name} in ${join(ctx.channelCoderHome, "sessions")}`
            )
          }
          return file
        })
  await opened.cache.ensureFresh()
  const reports: Array<FileReport> = []
  for (const { name, path } of chosen) {
    const report: FileReport = { name, path, status: "unchanged", replacements: [], appended: [], unresolved: [] }
    reports.push(report)
    let text: string
    let raw: unknown
    try {
      text = readFileSync(path, "utf8")
      raw = JSON.parse(text)
    } catch (error) {
      report.status = "skipped"
      report.reason =
        error instanceof SyntaxError
          ? "not valid JSON (half-written, or not ChannelCoder's): left untouched"
          : `could not be read: ${(error as Error).message}`
      continue
    }
    const decoded = decodeChannelCoderSession(raw)
    if (Exit.isFailure(decoded) || typeof raw !== "object" || raw === null || Array.isArray(raw)) {
      report.status = "skipped"
      report.reason = "not a ChannelCoder session file: left untouched"
      continue
    }
    const outcomes: Array<RunOutcome> = []
    for (const run of channelCoderRuns(decoded.value, name, path)) outcomes.push(await opened.resolver.resolveRun(run))
    for (const o of outcomes) {
      if (o._tag === "Ambiguous")
        report.unresolved.push({ placeholder: o.run.placeholder, reason: o.reason, candidates: o.candidates })
      if (o._tag === "Unresolved") report.unresolved.push({ placeholder: o.run.placeholder, reason: o.reason })
    }
    const { record, replacements, appended } = repairedRecord(raw as Json, outcomes, (id) =>
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
          : `could not be written: ${(error as Error).message}`
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
