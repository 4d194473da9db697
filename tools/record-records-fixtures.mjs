#!/usr/bin/env node
// Records what Claude Code 2.1.332 and the Agent SDK 0.3.332 write beside a session's messages
// (titles, tags, explicit forks, archive marks, the SDK's entrypoint), with the real tools from
// npm, offline against the loopback stand-in, in temp dirs; then rewrites the temp paths (cwd
// base → /srv/cc-fixtures, config dir → /home/dev/.claude) and writes the transcripts, what the
// SDK's listSessions() says of them (the oracle), and a README of the facts to the output folder.
//   node tools/record-records-fixtures.mjs [outDir]   (default fixtures/records-2.1.332)
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, relative, resolve } from "node:path"
import { claudeEnv, startStandin } from "./anthropic-standin.mjs"
import { claudeLatest } from "./claude-bins.mjs"
import { runProcess } from "./spawn.mjs"

const out = resolve(process.argv[2] ?? join(import.meta.dirname, "..", "fixtures", "records-2.1.332"))
const base = mkdtempSync(join(tmpdir(), "cc-record-records-"))
const home = join(base, "home")
const cwds = { app: join(base, "app"), sdk: join(base, "sdk-app") }
for (const dir of [home, ...Object.values(cwds)]) mkdirSync(dir, { recursive: true })

const standin = await startStandin()
const env = claudeEnv(standin.url, home)
// the SDK reads CLAUDE_CONFIG_DIR (and its query() runs its own CLI) from this process's environment
Object.assign(process.env, env)
const sdk = await import("@anthropic-ai/claude-agent-sdk")
const facts = []
const cli = async (cwd, args) => {
  const r = await runProcess(claudeLatest(), [...args, "--output-format", "stream-json", "--verbose"], { cwd, env })
  const init = r.stdout.split("\n").find((line) => line.includes('"subtype":"init"'))
  if (r.code !== 0 || init === undefined) throw new Error(`claude ${args.join(" ")}: exit ${r.code} ${r.stderr}`)
  return JSON.parse(init).session_id
}

try {
  const named = await cli(cwds.app, ["-p", "-n", "my named session", "named: first prompt"])
  facts.push({ id: named, what: '`claude -p -n "my named session"` (custom-title and agent-name lines first)' })
  const renamed = await cli(cwds.app, ["-p", "renamed: first prompt"])
  await sdk.renameSession(renamed, "renamed by the sdk")
  await sdk.tagSession(renamed, "wip")
  facts.push({ id: renamed, what: '`claude -p`, then SDK renameSession("renamed by the sdk") and tagSession("wip")' })
  const { sessionId: forked } = await sdk.forkSession(renamed)
  facts.push({ id: forked, what: `SDK forkSession(${renamed}): fresh message uuids, forkedFrom on every line` })
  const archived = await cli(cwds.app, ["-p", "archived: first prompt"])
  await sdk.tagSession(archived, "old")
  await sdk.tagSession(archived, null)
  await sdk.archiveSession(archived)
  facts.push({
    id: archived,
    what: '`claude -p`, then tagSession("old"), tagSession(null) (cleared) and archiveSession'
  })
  let queried
  for await (const message of sdk.query({ prompt: "sdk: first prompt", options: { cwd: cwds.sdk } })) {
    if (message.type === "system" && message.subtype === "init") queried = message.session_id
  }
  facts.push({ id: queried, what: "SDK query() (its own bundled CLI; entrypoint sdk-ts)" })
  const listed = await sdk.listSessions()

  const rewrite = (text) => text.split(home).join("/home/dev/.claude").split(base).join("/srv/cc-fixtures")
  const encode = (p) => p.replace(/[^a-zA-Z0-9]/g, "-")
  rmSync(out, { recursive: true, force: true })
  const walk = (dir) =>
    readdirSync(dir).flatMap((name) => {
      const path = join(dir, name)
      return statSync(path).isDirectory() ? walk(path) : [path]
    })
  for (const path of walk(join(home, "projects"))) {
    if (!path.endsWith(".jsonl") && !path.endsWith("archived.json")) continue
    const target = join(out, "claude-home", relative(home, path).split(encode(base)).join(encode("/srv/cc-fixtures")))
    mkdirSync(join(target, ".."), { recursive: true })
    writeFileSync(target, rewrite(readFileSync(path, "utf8")))
  }
  // what the SDK's own reader makes of them: the oracle the differential test holds ls --all to
  const oracle = listed
    .map(({ lastModified: _m, fileSize: _s, createdAt: _c, ...row }) => JSON.parse(rewrite(JSON.stringify(row))))
    .sort((a, b) => (a.sessionId < b.sessionId ? -1 : 1))
  writeFileSync(join(out, "list-sessions.json"), `${JSON.stringify(oracle, null, 2)}\n`)
  const table = facts.map((f) => `| ${f.id} | ${f.what} |`).join("\n")
  writeFileSync(
    join(out, "README.md"),
    `# Records written by Claude Code 2.1.332 and the Agent SDK 0.3.332

Recorded by \`tools/record-records-fixtures.mjs\` on ${new Date().toISOString().slice(0, 10)}: the real CLI (\`claude-code-latest\`,
2.1.332) and the real \`@anthropic-ai/claude-agent-sdk@0.3.332\`, offline against
tools/anthropic-standin.mjs. Nothing written by hand; temp paths rewritten (cwd base →
/srv/cc-fixtures, config dir → /home/dev/.claude). \`list-sessions.json\` is what the SDK's
\`listSessions()\` returned for this home (times and sizes left out).

| Claude session id | how it was made |
|---|---|
${table}

Not recorded here, and tested from their shape as the 2.1.332 binary writes them (its own
strings): \`continued-in\` (\`{"type":"continued-in","continuedInSessionId"}\`, a background
hand-off), \`relocated\` (\`{"type":"relocated","relocatedCwd"}\`, from \`/cd\`), \`pr-link\`
(\`{"type":"pr-link","prNumber","prUrl","prRepository"}\`) and \`ai-title\`: each needs an
interactive session (a hand-off to the background, \`/cd\`) or Claude's own GitHub and title
flows, which cannot be driven offline. A subagent (a Task) can be: see \`fixtures/subagents-2.1.332/\`.
`
  )
  console.log(`recorded ${facts.length} sessions into ${out}`)
  for (const f of facts) console.log(`${f.id}  ${f.what}`)
} finally {
  await standin.close()
  rmSync(base, { recursive: true, force: true })
}
