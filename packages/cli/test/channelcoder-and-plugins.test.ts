/** Plugin sources through the CLI, and ChannelCoder's placeholders: recover, resolve, repair. */
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { makeEvent, newStableId, openEventLog } from "@cc/events"
import { afterEach, beforeEach, describe, expect, it } from "vitest"
// @ts-expect-error plain JS tools
import { runProcess } from "../../../tools/spawn.mjs"

const cliPath = resolve(import.meta.dirname, "../dist/cli.js")
const readme = readFileSync(resolve(import.meta.dirname, "../../sources/README.md"), "utf8")
// plugins import @cc/* by name: they are saved where this package's node_modules resolve them
const pluginDir = resolve(import.meta.dirname, ".plugins-tmp")

let dir: string
let home: string
let store: string
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "cc-cli-cc-"))
  home = join(dir, "claude")
  store = join(dir, "store")
  mkdirSync(join(store, "sessions"), { recursive: true })
  mkdirSync(pluginDir, { recursive: true })
})
afterEach(() => {
  rmSync(dir, { recursive: true, force: true })
  rmSync(pluginDir, { recursive: true, force: true })
})

const cli = (args: ReadonlyArray<string>, env: Record<string, string> = {}) =>
  runProcess(process.execPath, [cliPath, "--store", store, "--claude-home", home, ...args], {
    cwd: dir,
    env: { PATH: process.env.PATH ?? "", HOME: dir, ...env }
  }) as Promise<{ stdout: string; stderr: string; code: number }>

const uuid = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, "0")}`
const T0 = Date.parse("2026-11-20T10:00:00.000Z")

const transcript = (id: string, cwd: string, at: number, prompt: string) => {
  const folder = join(home, "projects", cwd.replace(/[^a-zA-Z0-9]/g, "-"))
  mkdirSync(folder, { recursive: true })
  const line = {
    type: "user",
    uuid: `${id.slice(0, 24)}bbbbbbbbbbbb`,
    parentUuid: null,
    sessionId: id,
    cwd,
    version: "2.1.197",
    timestamp: new Date(at).toISOString(),
    message: { role: "user", content: prompt }
  }
  writeFileSync(join(folder, `${id}.jsonl`), `${JSON.stringify(line)}\n`)
}

const detachedSession = (name: string, prompt: string, ms: number) => {
  const state = {
    sessionChain: [`detached-${ms}`],
    currentSessionId: `detached-${ms}`,
    messages: [{ role: "user", content: prompt, timestamp: new Date(ms).toISOString(), sessionId: `detached-${ms}` }],
    metadata: { name, created: new Date(ms).toISOString(), lastActive: new Date(ms).toISOString() },
    custom: { kept: true }
  }
  const path = join(store, "sessions", `${name}.json`)
  writeFileSync(path, JSON.stringify(state, null, 2))
  chmodSync(path, 0o640)
  return path
}

describe("plugin sources from the CLI", () => {
  const example = (): string => {
    const block = /```js\n(\/\/ cursor-agent\.mjs[\s\S]*?)```/.exec(readme)?.[1]
    if (block === undefined) throw new Error("the sources README lost its plugin example")
    const path = join(pluginDir, "cursor-agent.mjs")
    writeFileSync(path, block)
    return path
  }

  it("loads the sources README's example through --source and through the config file", async () => {
    const plugin = example()
    const id = newStableId()
    const log = await openEventLog({ dir: store })
    await log.append([makeEvent("session.opened", id, { cwd: "/w/agent", mode: "detached" })])
    const state = join(dir, "agent-state.json")
    writeFileSync(
      state,
      JSON.stringify([{ session: uuid(9), dir: "/w/agent", at: new Date(T0).toISOString(), stableId: id }])
    )

    const viaFlag = await cli(["--json", "--source", plugin, "resolve", id], { CURSOR_AGENT_STATE: state })
    expect(viaFlag.stderr).toBe("")
    expect(JSON.parse(viaFlag.stdout)).toMatchObject({ id, claudeSessionIds: [uuid(9)], resolvedBy: "cursor-agent" })

    // the answer was recorded: a second store answers from its log; a fresh one via the config file
    rmSync(store, { recursive: true })
    mkdirSync(store)
    await (await openEventLog({ dir: store })).append([
      makeEvent("session.opened", id, { cwd: "/w/agent", mode: "detached" })
    ])
    writeFileSync(
      join(store, "cc-sessions.config.json"),
      JSON.stringify({ sources: [{ module: plugin, options: { stateFile: state } }] })
    )
    const viaConfig = await cli(["--json", "resolve", id])
    expect(viaConfig.stderr).toBe("")
    expect(JSON.parse(viaConfig.stdout)).toMatchObject({ claudeSessionIds: [uuid(9)], resolvedBy: "cursor-agent" })
  })

  it("loads CJS too, and skips a broken plugin with a warning while the others go on", async () => {
    const cjs = join(pluginDir, "one.cjs")
    writeFileSync(
      cjs,
      `module.exports = { name: "one", cost: "expensive", discover: async function* () { throw new Error("boom") } }`
    )
    const notASource = join(pluginDir, "nothing.mjs")
    writeFileSync(notASource, "export const answer = 42\n")
    const r = await cli(["--source", cjs, "--source", notASource, "--source", "./missing.mjs", "resolve", "some-name"])
    expect(r.code).toBe(1)
    const warnings = r.stderr.split("\n").filter((l: string) => l.includes("warning"))
    expect(warnings.join("\n")).toMatch(/nothing\.mjs .*skipped: it exports no source/)
    expect(warnings.join("\n")).toMatch(/missing\.mjs .*skipped/)
    expect(warnings.join("\n")).toMatch(/source one failed and was skipped: boom/)
    const bad = join(store, "cc-sessions.config.json")
    writeFileSync(bad, "{ not json")
    const j = await cli(["--json", "ls"])
    expect(j.code).toBe(0)
    expect(JSON.parse(j.stderr.trim())).toMatchObject({
      warnings: [{ message: expect.stringMatching(/not valid JSON/) }]
    })
  })
})

describe("ChannelCoder placeholders from the CLI", () => {
  it("recover ties a placeholder to its transcript, resolve finds it by placeholder and name, --adopt labels it", async () => {
    transcript(uuid(1), "/w/app", T0 + 700, "refactor the parser")
    detachedSession("refactor", "refactor the parser", T0)
    const rows = JSON.parse((await cli(["--json", "recover"])).stdout) as Array<Record<string, unknown>>
    // one row: the placeholder with its Claude id, not two unrelated rows
    expect(rows).toEqual([
      expect.objectContaining({
        id: null,
        source: "channelcoder",
        channelCoderSession: "refactor",
        placeholder: `detached-${T0}`,
        claudeSessionIds: [uuid(1)],
        latestClaudeSessionId: uuid(1)
      })
    ])
    for (const ref of [`detached-${T0}`, "channelcoder:refactor"]) {
      const r = JSON.parse((await cli(["--json", "resolve", ref])).stdout)
      expect(r).toMatchObject({ claudeSessionIds: [uuid(1)], resolvedBy: "channelcoder" })
    }
    const adopted = JSON.parse((await cli(["--json", "recover", "--adopt"])).stdout) as Array<{ id: string }>
    expect(adopted[0]?.id).toMatch(/^cc-session-/)
    const shown = JSON.parse((await cli(["--json", "resolve", "channelcoder:refactor"])).stdout)
    expect(shown).toMatchObject({ id: adopted[0]?.id, resolvedBy: "store", claudeSessionIds: [uuid(1)] })
    // adopting again adds nothing
    expect(JSON.parse((await cli(["--json", "recover", "--adopt"])).stdout)[0].id).toBe(adopted[0]?.id)
  })

  it("repair: --dry-run changes nothing; then the ids are written atomically, mode and unknown fields kept, a backup beside", async () => {
    transcript(uuid(1), "/w/app", T0 + 700, "refactor the parser")
    const path = detachedSession("refactor", "refactor the parser", T0)
    const before = readFileSync(path, "utf8")
    const dry = await cli(["--json", "channelcoder", "repair", "--dry-run"])
    expect(dry.code).toBe(0)
    expect(JSON.parse(dry.stdout)).toMatchObject([
      {
        name: "refactor",
        status: "would-repair",
        replacements: [{ placeholder: `detached-${T0}`, claudeSessionId: uuid(1) }]
      }
    ])
    expect(readFileSync(path, "utf8")).toBe(before)

    const r = await cli(["--json", "channelcoder", "repair", "refactor"])
    expect(r.code).toBe(0)
    const [report] = JSON.parse(r.stdout)
    expect(report).toMatchObject({ status: "repaired" })
    const after = JSON.parse(readFileSync(path, "utf8"))
    expect(after).toMatchObject({
      sessionChain: [uuid(1)],
      currentSessionId: uuid(1),
      messages: [{ sessionId: uuid(1), content: "refactor the parser" }],
      custom: { kept: true }
    })
    expect(statSync(path).mode & 0o777).toBe(0o640)
    expect(readFileSync(report.backup, "utf8")).toBe(before)
    // nothing left to do
    expect(JSON.parse((await cli(["--json", "channelcoder", "repair"])).stdout)[0].status).toBe("unchanged")
    // ChannelCoder's own listing still sees one session: the backup does not end in .json
    expect(readdirSync(join(store, "sessions")).filter((f) => f.endsWith(".json"))).toEqual(["refactor.json"])
  })

  it("repair leaves what it cannot resolve with certainty, and never touches a half-written file", async () => {
    transcript(uuid(3), "/w/c", T0 + 700, "same prompt")
    transcript(uuid(4), "/w/d", T0 + 900, "same prompt")
    const twin = detachedSession("twin", "same prompt", T0)
    const lost = detachedSession("lost", "never ran", T0)
    const torn = join(store, "sessions", "torn.json")
    writeFileSync(torn, '{"sessionChain": ["detached-17')
    const before = [readFileSync(twin, "utf8"), readFileSync(lost, "utf8"), readFileSync(torn, "utf8")]
    const r = await cli(["--json", "channelcoder", "repair"])
    expect(r.code).toBe(1)
    const reports = JSON.parse(r.stdout) as Array<{
      name: string
      status: string
      reason?: string
      unresolved: Array<{ reason: string }>
    }>
    const by = (name: string) => reports.find((x) => x.name === name)
    expect(by("twin")?.unresolved[0]?.reason).toMatch(/2 transcripts .* cannot be told/)
    expect(by("lost")?.unresolved[0]?.reason).toMatch(/no transcript with this run's first prompt/)
    expect(by("torn")).toMatchObject({ status: "skipped", reason: expect.stringMatching(/not valid JSON/) })
    expect([readFileSync(twin, "utf8"), readFileSync(lost, "utf8"), readFileSync(torn, "utf8")]).toEqual(before)
    const human = await cli(["channelcoder", "repair", "twin"])
    expect(human.stdout).toContain("left as it is: detached-")
  })
})
