/**
 * `rename`, `tag`, `archive`, `unarchive`: written in Claude's own format, as the Agent SDK's
 * `renameSession`, `tagSession` and `archiveSession` write them (`@cc/sources`' marks). Only where that transcript is: a session whose
 * transcript is on another host is refused, naming the host. Each is recorded as an event too
 * when a stable session owns the transcript (`session.titled`, `session.tagged`,
 * `session.archived`); a title's own text never is (titles never go into events).
 */
import type { ClaudeSessionId } from "@cc/events"
import type { Resolution } from "@cc/resolver"
import { cleanMark, type TranscriptMark, writeMark } from "@cc/sources"
import { CliFailure, type Context, human } from "../context.js"
import { failIfElsewhere, latestTranscriptHere } from "../transcript-here.js"

/** A title or tag as typed, or bad usage saying why not. */
const cleanArgument = (text: string, what: "title" | "tag"): string => {
  const clean = cleanMark(text, what)
  if (clean._tag === "Bad") throw new CliFailure("usage", clean.reason)
  return clean.text
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

const report = (ctx: Context, t: Target, what: Record<string, unknown>): void => {
  const out = { id: t.resolution.stableId, claudeSessionId: t.latest, transcript: t.path, ...what }
  ctx.out(ctx.json ? JSON.stringify(out) : human(out))
}

export const rename = async (ctx: Context): Promise<void> => {
  const [reference = "", title = ""] = ctx.parsed.positionals
  const clean = cleanArgument(title, "title")
  const t = await target(ctx, reference, "rename it")
  await marked(ctx, t, { _tag: "Title", title: clean })
  report(ctx, t, { title: clean })
}

export const tag = async (ctx: Context): Promise<void> => {
  const [reference = "", given, ...more] = ctx.parsed.positionals
  const clear = ctx.parsed.flags.has("--clear")
  if (more.length > 0 || (given === undefined) === !clear)
    throw new CliFailure("usage", "tag takes a session reference and a TAG, or --clear: see cc-session tag --help")
  const clean = given === undefined ? null : cleanArgument(given, "tag")
  const t = await target(ctx, reference, "tag it")
  await marked(ctx, t, { _tag: "Tag", tag: clean })
  report(ctx, t, { tag: clean })
}

const setArchived = async (ctx: Context, archived: boolean): Promise<void> => {
  const [reference = ""] = ctx.parsed.positionals
  const t = await target(ctx, reference, archived ? "archive it" : "unarchive it")
  const { archiveMark } = await marked(ctx, t, { _tag: "Archive", archived })
  report(ctx, t, { archived, mark: archiveMark })
}

/** Writes the mark, and records it as an event of the stable session that owns the transcript, if one does. */
const marked = async (ctx: Context, t: Target, mark: TranscriptMark): Promise<{ readonly archiveMark?: string }> => {
  const { events, archiveMark } = writeMark(t.path, t.latest, mark, t.resolution.stableId ?? undefined)
  if (events.length > 0) await (await ctx.open()).log.append([...events])
  return archiveMark === undefined ? {} : { archiveMark }
}

export const archive = (ctx: Context): Promise<void> => setArchived(ctx, true)
export const unarchive = (ctx: Context): Promise<void> => setArchived(ctx, false)
