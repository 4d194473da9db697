/**
 * The end-to-end suites' world: the real Claude Code CLI from npm (2.1.x and 1.0.30) run
 * offline against the loopback Messages API stand-in, through the built `cc-session`, in temp
 * homes. `useStandin()` starts the stand-in for a test file; `world()` makes a fresh home and store.
 */
import { mkdirSync, mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { afterAll, beforeAll } from "vitest"
// @ts-expect-error plain JS tools
import { claudeEnv, startStandin } from "../../../../tools/anthropic-standin.mjs"
// @ts-expect-error plain JS tools
import { claude1, claude2, claudeLatest } from "../../../../tools/claude-bins.mjs"
// @ts-expect-error plain JS tools
import { runProcess } from "../../../../tools/spawn.mjs"

export const cliPath = resolve(import.meta.dirname, "../../dist/cli.js")
export { claudeEnv, runProcess, startStandin }

let standin: { url: string; close: () => Promise<void> }
let base: string

/** The stand-in's URL, once `useStandin` started it. */
export const standinUrl = (): string => standin.url

export const useStandin = (): void => {
  beforeAll(async () => {
    standin = await startStandin()
    base = mkdtempSync(join(tmpdir(), "cc-e2e-"))
  })
  afterAll(async () => {
    await standin.close()
    rmSync(base, { recursive: true, force: true })
  })
}

export interface World {
  readonly home: string
  readonly store: string
  readonly bin: string
  readonly dir: (name: string) => string
  readonly cli: (
    args: ReadonlyArray<string>,
    cwd?: string
  ) => Promise<{ stdout: string; stderr: string; code: number | null }>
  readonly json: <T = Record<string, unknown>>(args: ReadonlyArray<string>, cwd?: string) => Promise<T>
}

let worlds = 0
export type Generation = "2.1" | "2.1-latest" | "1.0"
export const world = (generation: Generation): World => {
  const root = join(base, `w${++worlds}`)
  const home = join(root, "home")
  const store = join(root, "store")
  mkdirSync(home, { recursive: true })
  const bin = (generation === "2.1" ? claude2() : generation === "2.1-latest" ? claudeLatest() : claude1()) as string
  const dir = (name: string) => {
    const p = join(root, name)
    mkdirSync(p, { recursive: true })
    return p
  }
  const cli: World["cli"] = (args, cwd = root) =>
    runProcess(process.execPath, [cliPath, "--store", store, "--claude-bin", bin, ...args], {
      cwd,
      env: claudeEnv(standin.url, home)
    })
  const json = async <T>(args: ReadonlyArray<string>, cwd?: string): Promise<T> => {
    const r = await cli(["--json", ...args], cwd)
    if (r.code !== 0) throw new Error(`cc-session ${args.join(" ")} exited ${r.code}: ${r.stderr}`)
    return JSON.parse(r.stdout) as T
  }
  return { home, store, bin, dir, cli, json }
}

export type Show = {
  id: string
  cwd: string
  status: string
  claudeSessionIds: Array<string>
  latestClaudeSessionId: string
  forks: Array<{ from: string; to: string }>
  transcripts: Array<string>
}

export const waitFinished = async (w: World, id: string): Promise<Show> => {
  for (let i = 0; i < 200; i++) {
    const s = await w.json<Show>(["show", id])
    if (s.status === "finished" || s.status === "failed") return s
    await new Promise((r) => setTimeout(r, 100))
  }
  throw new Error(`${id} did not finish`)
}

// the pinned 2.1.197, and the newest 2.1.x (pinned too: the CLI moves weekly)
