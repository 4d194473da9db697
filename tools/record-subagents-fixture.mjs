#!/usr/bin/env node
// Records a session that ran a subagent (a Task: the `Agent` tool of 2.1.332), with the real
// Claude Code CLI from npm, offline: the loopback stand-in answers the prompt with a call of the
// Agent tool, the subagent's own request and the turn after it with text. What the CLI wrote
// (`<id>.jsonl`, `<id>/subagents/agent-*.jsonl` and its `.meta.json`) is copied with the temp
// paths rewritten (cwd base → /srv/cc-fixtures), with what the SDK's listSessions() says of it.
//   node tools/record-subagents-fixture.mjs [outDir]   (default fixtures/subagents-2.1.332)
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, relative, resolve } from "node:path"
import { claudeEnv, startStandin } from "./anthropic-standin.mjs"
import { claudeLatest } from "./claude-bins.mjs"
import { runProcess } from "./spawn.mjs"

const out = resolve(process.argv[2] ?? join(import.meta.dirname, "..", "fixtures", "subagents-2.1.332"))
const base = mkdtempSync(join(tmpdir(), "cc-record-subagents-"))
const home = join(base, "home")
const cwd = join(base, "app")
for (const dir of [home, cwd]) mkdirSync(dir, { recursive: true })
const PROMPT = "subagent: please run one subagent"

// the stand-in calls the Agent tool once, in answer to the prompt; everything else gets text
const standin = await startStandin({
  toolUse: (body) => {
    const tool = (body.tools ?? []).map((t) => t.name).find((name) => name === "Agent" || name === "Task")
    const asked = JSON.stringify(body.messages ?? [])
    return tool !== undefined && asked.includes(PROMPT) && !asked.includes("tool_result")
      ? {
          name: tool,
          input: { description: "probe subtask", prompt: "do the probe subtask", subagent_type: "general-purpose" }
        }
      : undefined
  }
})
const env = claudeEnv(standin.url, home)
try {
  const r = await runProcess(claudeLatest(), ["-p", PROMPT, "--output-format", "stream-json", "--verbose"], {
    cwd,
    env
  })
  const init = r.stdout.split("\n").find((line) => line.includes('"subtype":"init"'))
  if (r.code !== 0 || init === undefined) throw new Error(`claude: exit ${r.code} ${r.stderr}`)
  const id = JSON.parse(init).session_id
  Object.assign(process.env, env)
  const { listSessions } = await import("@anthropic-ai/claude-agent-sdk")
  const listed = await listSessions()
  const encode = (p) => p.replace(/[^a-zA-Z0-9]/g, "-")
  const rewrite = (text) => text.split(home).join("/home/dev/.claude").split(base).join("/srv/cc-fixtures")
  rmSync(out, { recursive: true, force: true })
  const walk = (dir) =>
    readdirSync(dir).flatMap((name) => {
      const path = join(dir, name)
      return statSync(path).isDirectory() ? walk(path) : [path]
    })
  const written = []
  for (const path of walk(join(home, "projects"))) {
    if (!path.endsWith(".jsonl") && !path.endsWith(".meta.json")) continue
    const target = join(out, "claude-home", relative(home, path).split(encode(base)).join(encode("/srv/cc-fixtures")))
    mkdirSync(join(target, ".."), { recursive: true })
    writeFileSync(target, rewrite(readFileSync(path, "utf8")))
    written.push(relative(join(out, "claude-home"), target))
  }
  const oracle = listed.map(({ lastModified: _m, fileSize: _s, createdAt: _c, ...row }) =>
    JSON.parse(rewrite(JSON.stringify(row)))
  )
  writeFileSync(join(out, "list-sessions.json"), `${JSON.stringify(oracle, null, 2)}\n`)
  writeFileSync(
    join(out, "README.md"),
    `# A session that ran a subagent, written by Claude Code 2.1.332

Recorded by \`tools/record-subagents-fixture.mjs\` on ${new Date().toISOString().slice(0, 10)}: the real CLI (\`claude-code-latest\`,
2.1.332), offline against tools/anthropic-standin.mjs, which answered the prompt
${JSON.stringify(PROMPT)} with one call of the \`Agent\` tool (a Task), and the subagent's request and the turn after
it with text. Nothing written by hand; temp paths rewritten (cwd base → /srv/cc-fixtures).
\`list-sessions.json\` is what the Agent SDK 0.3.332's \`listSessions()\` returned for this home.

Session ${id}: one subagent. The files:

${written
  .sort()
  .map((w) => `- \`${w}\``)
  .join("\n")}
`
  )
  console.log(`recorded ${id} into ${out}`)
} finally {
  await standin.close()
  rmSync(base, { recursive: true, force: true })
}
