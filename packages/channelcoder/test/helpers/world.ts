/**
 * A temp world for ChannelCoder end-to-end tests: a HOME that is Claude's and ChannelCoder's,
 * a project dir, `claude` on PATH as a shim to a real CLI from npm (2.1.197, 2.1.332 or
 * 1.0.30), the built `cc-session`, and readers for what Claude and ChannelCoder wrote.
 */
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs"
import { join, resolve } from "node:path"
// @ts-expect-error plain JS tools
import { claudeEnv } from "../../../../tools/anthropic-standin.mjs"
// @ts-expect-error plain JS tools
import { claude1, claude2, claudeLatest } from "../../../../tools/claude-bins.mjs"
// @ts-expect-error plain JS tools
import { runProcess } from "../../../../tools/spawn.mjs"

export type Run = { stdout: string; stderr: string; code: number | null }
export type Generation = "2.1" | "2.1.332" | "1.0"

const cliPath = resolve(import.meta.dirname, "../../../cli/dist/cli.js")
const driver = resolve(import.meta.dirname, "driver.mjs")
const scriptPath = resolve(import.meta.dirname, "script.mjs")

export interface ScriptInput {
  readonly bridge: boolean
  readonly open?: { name?: string; load?: boolean; autoSave?: boolean; cwd?: string }
  readonly ops?: ReadonlyArray<{ op: string; prompt?: string; options?: Record<string, unknown>; ms?: number }>
  readonly resumeWaitMs?: number
}

export interface ScriptOutput {
  readonly results: Array<{
    success: boolean
    error?: string
    sessionId?: string
    text?: string
    data?: { logFile?: string; pid?: number } | string
  }>
  readonly id?: string
  readonly messages: Array<{ role: string; content: string; sessionId: string }>
  readonly thrown?: { name?: string; tag?: string; message: string }
}

let worlds = 0

export const makeWorld = (
  base: string,
  standinUrl: string,
  generation: Generation,
  options: { readonly path?: string } = {}
) => {
  const root = join(base, `w${++worlds}`)
  const home = join(root, "home")
  const project = join(root, "project")
  const bin = join(root, "bin")
  for (const d of [home, project, bin]) mkdirSync(d, { recursive: true })
  const target =
    generation === "1.0"
      ? `exec "${process.execPath}" "${claude1()}" "$@"`
      : `exec "${generation === "2.1" ? claude2() : claudeLatest()}" "$@"`
  writeFileSync(join(bin, "claude"), `#!/bin/sh\n${target}\n`)
  chmodSync(join(bin, "claude"), 0o755)
  const env = {
    ...claudeEnv(standinUrl, home),
    PATH: options.path ?? `${bin}:${process.env.PATH ?? "/usr/bin:/bin"}`
  }
  const store = join(home, ".channelcoder")
  const sessions = join(store, "sessions")
  const drive = async (command: Record<string, unknown>) => {
    const r: Run = await runProcess(
      process.execPath,
      [driver, JSON.stringify({ storeDir: store, claudeHome: home, ...command })],
      { cwd: project, env, timeoutMs: 120_000 }
    )
    if (r.code !== 0) throw new Error(`driver ${JSON.stringify(command)} exited ${r.code}: ${r.stderr}`)
    return JSON.parse(r.stdout.trim().split("\n").at(-1) as string) as {
      result: { success: boolean; error?: string; data?: { logFile?: string } }
      id?: string
    }
  }
  const script = async (input: ScriptInput, extraEnv: Record<string, string> = {}): Promise<ScriptOutput> => {
    const r: Run = await runProcess(
      process.execPath,
      [scriptPath, JSON.stringify({ storeDir: store, claudeHome: home, ...input })],
      { cwd: project, env: { ...env, ...extraEnv }, timeoutMs: 120_000 }
    )
    if (r.code !== 0) throw new Error(`script ${JSON.stringify(input)} exited ${r.code}: ${r.stderr}`)
    return JSON.parse(r.stdout.trim().split("\n").at(-1) as string) as ScriptOutput
  }
  const cli = (args: ReadonlyArray<string>): Promise<Run> =>
    runProcess(process.execPath, [cliPath, "--store", store, "--claude-home", home, ...args], { cwd: project, env })
  const json = async <T>(args: ReadonlyArray<string>): Promise<T> => {
    const r = await cli(["--json", ...args])
    if (r.code !== 0) throw new Error(`cc-session ${args.join(" ")} exited ${r.code}: ${r.stderr}`)
    return JSON.parse(r.stdout) as T
  }
  const session = (name: string) => JSON.parse(readFileSync(join(sessions, `${name}.json`), "utf8"))
  /** Every transcript Claude wrote, by session id. */
  const transcripts = (): Map<string, string> => {
    const found = new Map<string, string>()
    const projects = join(home, "projects")
    if (!existsSync(projects)) return found
    for (const folder of readdirSync(projects)) {
      for (const file of readdirSync(join(projects, folder))) {
        if (file.endsWith(".jsonl")) found.set(file.slice(0, -6), readFileSync(join(projects, folder, file), "utf8"))
      }
    }
    return found
  }
  /** The user prompts of each transcript, in order (Claude's own records, tool results left out). */
  const prompts = (): Map<string, Array<string>> => {
    const out = new Map<string, Array<string>>()
    for (const [id, text] of transcripts()) {
      const list: Array<string> = []
      for (const line of text.split("\n")) {
        if (line.trim() === "") continue
        try {
          const entry = JSON.parse(line) as { type?: string; message?: { content?: unknown }; isMeta?: boolean }
          if (entry.type !== "user" || entry.isMeta === true) continue
          const content = entry.message?.content
          if (typeof content === "string") list.push(content)
          else if (Array.isArray(content)) {
            for (const part of content as Array<{ type?: string; text?: string }>)
              if (part.type === "text" && typeof part.text === "string") list.push(part.text)
          }
        } catch {
          // a line being written
        }
      }
      out.set(id, list)
    }
    return out
  }
  const cwdOf = (id: string): string | undefined => {
    const first = (transcripts().get(id) ?? "").split("\n").find((l) => l.includes('"cwd"'))
    return first === undefined ? undefined : (JSON.parse(first) as { cwd?: string }).cwd
  }
  return {
    root,
    home,
    project,
    bin,
    env,
    store,
    sessions,
    drive,
    script,
    cli,
    json,
    session,
    transcripts,
    prompts,
    cwdOf
  }
}

export type World = ReturnType<typeof makeWorld>

/** Claude prints its result before its transcript is flushed: waits until the file holds `text`. */
export const flushed = async (w: Pick<World, "transcripts">, id: string, text: string): Promise<void> => {
  for (let i = 0; i < 300 && !(w.transcripts().get(id) ?? "").includes(text); i++) {
    await new Promise((r) => setTimeout(r, 100))
  }
}

/** Waits for a stream-json log's `result` line; returns the `session_id` its init line named. */
export const finished = async (log: string): Promise<string> => {
  for (let i = 0; i < 600; i++) {
    const text = existsSync(log) ? readFileSync(log, "utf8") : ""
    if (text.includes('"type":"result"')) {
      const init = text.split("\n").find((l) => l.includes('"subtype":"init"'))
      return (JSON.parse(init as string) as { session_id: string }).session_id
    }
    await new Promise((r) => setTimeout(r, 100))
  }
  throw new Error(`${log} never got its result line`)
}

/** A detached run done: its log has its result, and its transcript (flushed after) its prompt. */
export const ran = async (w: Pick<World, "transcripts">, log: string, prompt: string): Promise<string> => {
  const id = await finished(log)
  await flushed(w, id, prompt)
  return id
}
