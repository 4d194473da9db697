/**
 * `rename`, `tag`, `archive`, `unarchive`: written in Claude's own format, as the Agent SDK's
 * `renameSession`, `tagSession` and `archiveSession` write them, so Claude's picker and the SDK
 * see them: a `custom-title` or `tag` line appended to the session's latest transcript, and the
 * archive mark `<id>/archived.json` beside it. Only where that transcript is: a session whose
 * transcript is on another host is refused, naming the host. Each is recorded as an event too
 * when a stable session owns the transcript (`session.titled`, `session.tagged`,
 * `session.archived`); a title's own text never is (titles never go into events).
 */
import { closeSync, fstatSync, mkdirSync, openSync, readSync, writeSync } from "node:fs"
import { dirname, join } from "node:path"
import { type ClaudeSessionId, makeEvent, type SessionEvent, type StableId, writeFileAtomicSync } from "@cc/events"
import type { Resolution } from "@cc/resolver"
import { CliFailure, type Context, human } from "../context.js"
import { failIfElsewhere, latestTranscriptHere } from "../transcript-here.js"

// biome-ignore lint/suspicious/noControlCharactersInRegex: what a title or tag may not hold
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/

/** A title or tag as typed: trimmed, one line, no control characters (as the SDK trims it). */
const cleanArgument = (text: string, what: string): string => {
  const trimmed = text.trim()
  if (trimmed === "") throw new CliFailure("usage", `the ${what} is empty`)
  if (CONTROL.test(trimmed)) throw new CliFailure("usage", `the ${what} holds control characters`)
  if ([...trimmed].length > 200) throw new CliFailure("usage", `the ${what} is longer than 200 characters`)
  return trimmed
}

interface Target {
  readonly resolution: Resolution
  readonly latest: ClaudeSessionId
  readonly path: string
}

/** The session's latest transcript here, or why not. */
const target = async (ctx: Context, reference: string, doing: string): Promise<Target> => {
  const { resolver } = await ctx.open()
  const resolution = await resolver.resolve(reference)
  const latest = resolution.latestClaudeSessionId
  if (latest === null)
    throw new CliFailure("not_found", `${reference} has no Claude session id yet: there is no transcript to ${doing}`)
  failIfElsewhere(reference, resolution, latest, `Run ${doing}`)
  const path = latestTranscriptHere(resolution, latest)
  if (path === undefined)
    throw new CliFailure("not_found", `the transcript of ${latest} is not on this host: nothing to ${doing}`)
  return { resolution, latest, path }
}

/**
 * Appends one line to a transcript, whole: on a line of its own even if the file does not end
 * with a newline (a writer cut short), in one `write` to a file opened for appending.
 */
const appendRecord = (path: string, record: object): void => {
  const fd = openSync(path, "a")
  try {
    const size = fstatSync(fd).size
    let lead = ""
    if (size > 0) {
      const last = Buffer.alloc(1)
      const reader = openSync(path, "r")
      try {
        readSync(reader, last, 0, 1, size - 1)
      } finally {
        closeSync(reader)
      }
      if (last[0] !== 0x0a) lead = "\n"
    }
    writeSync(fd, `${lead}${JSON.stringify(record)}\n`)
  } finally {
    closeSync(fd)
  }
}

const report = (ctx: Context, t: Target, what: Record<string, unknown>): void => {
  const out = { id: t.resolution.stableId, claudeSessionId: t.latest, transcript: t.path, ...what }
  ctx.out(ctx.json ? JSON.stringify(out) : human(out))
}

export const rename = async (ctx: Context): Promise<void> => {
  const [reference = "", title = ""] = ctx.parsed.positionals
  const clean = cleanArgument(title, "title")
  const t = await target(ctx, reference, "rename it")
  appendRecord(t.path, { type: "custom-title", customTitle: clean, sessionId: t.latest })
  await recordEvent(ctx, t, (owner) => makeEvent("session.titled", owner, { claudeSessionId: t.latest }))
  report(ctx, t, { title: clean })
}

export const tag = async (ctx: Context): Promise<void> => {
  const [reference = "", given, ...more] = ctx.parsed.positionals
  const clear = ctx.parsed.flags.has("--clear")
  if (more.length > 0 || (given === undefined) === !clear)
    throw new CliFailure("usage", "tag takes a session reference and a TAG, or --clear: see cc-session tag --help")
  const clean = given === undefined ? null : cleanArgument(given, "tag")
  const t = await target(ctx, reference, "tag it")
  // an empty tag clears it, as the SDK's tagSession(id, null) writes it
  appendRecord(t.path, { type: "tag", tag: clean ?? "", sessionId: t.latest })
  await recordEvent(ctx, t, (owner) => makeEvent("session.tagged", owner, { claudeSessionId: t.latest, tag: clean }))
  report(ctx, t, { tag: clean })
}

const setArchived = async (ctx: Context, archived: boolean): Promise<void> => {
  const [reference = ""] = ctx.parsed.positionals
  const t = await target(ctx, reference, archived ? "archive it" : "unarchive it")
  const at = new Date().toISOString()
  const mark = join(dirname(t.path), t.latest, "archived.json")
  mkdirSync(dirname(mark), { recursive: true, mode: 0o700 })
  writeFileAtomicSync(mark, JSON.stringify({ archived, at, by: "user" }))
  await recordEvent(ctx, t, (owner) => makeEvent("session.archived", owner, { archived }))
  report(ctx, t, { archived, mark })
}

/** The mark as an event of the stable session that owns the transcript, if one does. */
const recordEvent = async (ctx: Context, t: Target, event: (owner: StableId) => SessionEvent): Promise<void> => {
  const owner = t.resolution.stableId
  if (owner === null) return
  const { log } = await ctx.open()
  await log.append([event(owner)])
}

export const archive = (ctx: Context): Promise<void> => setArchived(ctx, true)
export const unarchive = (ctx: Context): Promise<void> => setArchived(ctx, false)
