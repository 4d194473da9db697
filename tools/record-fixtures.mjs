#!/usr/bin/env node
// Records transcripts and stream logs with the real Claude Code CLI from npm (2.1.x and
// 1.0.30), offline against the loopback stand-in, in temp dirs; then rewrites the temp paths
// (cwd base → /srv/cc-fixtures, config dir → /home/dev/.claude) and writes them, with a README
// of the true chains, to the output folder (default fixtures/recorded).
//   node tools/record-fixtures.mjs [outDir]
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { startStandin } from "./anthropic-standin.mjs"
import { runClaude } from "./run-claude.mjs"

const out = resolve(process.argv[2] ?? join(import.meta.dirname, "..", "fixtures", "recorded"))
const base = mkdtempSync(join(tmpdir(), "cc-record-"))
const home = join(base, "home")
const cwds = {
  app: join(base, "app"),
  legacy: join(base, "legacy"),
  worktree: join(base, "app.worktrees", "feature"),
  elsewhere: join(base, "elsewhere")
}
for (const dir of [home, ...Object.values(cwds)]) mkdirSync(dir, { recursive: true })

const standin = await startStandin()
const logs = {}
const rows = []
const links = []
const sessionOf = (stdout) => {
  for (const line of stdout.split("\n")) {
    try {
      const o = JSON.parse(line)
      if (o.type === "system" && o.subtype === "init") return o.session_id
    } catch {}
  }
  return undefined
}
const step = async (name, generation, cwdKey, args, describe, stream = true) => {
  const format = stream ? ["--output-format", "stream-json", "--verbose"] : []
  const result = await runClaude({
    generation,
    args: [...args, ...format],
    cwd: cwds[cwdKey],
    home,
    standinUrl: standin.url
  })
  logs[name] = result.stdout + result.stderr
  const id = sessionOf(result.stdout)
  rows.push({ name, generation, cwd: cwdKey, describe, id, code: result.code })
  return id
}

try {
  const run = await step("new-run.log", "2.1", "app", ["-p", "new: first prompt"], "-p")
  await step("new-resume.log", "2.1", "app", ["-p", "new: resume prompt", "--resume", run], "--resume (keeps the id)")
  const fork = await step(
    "new-fork.log",
    "2.1",
    "app",
    ["-p", "new: fork prompt", "--resume", run, "--fork-session"],
    "--resume --fork-session (new id)"
  )
  links.push({ from: run, to: fork, kind: "fork" })
  const chosen = "0f0f0f0f-1111-4222-8333-444444444444"
  await step(
    "new-session-id.log",
    "2.1",
    "app",
    ["-p", "new: chosen id prompt", "--session-id", chosen],
    "--session-id"
  )
  await step(
    "new-continue.log",
    "2.1",
    "app",
    ["-p", "new: continue prompt", "--continue"],
    "--continue (most recent in cwd)"
  )
  await step(
    "new-text-output.log",
    "2.1",
    "app",
    ["-p", "new: plain text output"],
    "-p with the default text output (no id in the log)",
    false
  )
  await step("new-worktree.log", "2.1", "worktree", ["-p", "new: worktree prompt"], "-p in a worktree-like cwd")
  await step(
    "new-resume-wrong-cwd.log",
    "2.1",
    "elsewhere",
    ["-p", "new: lost prompt", "--resume", run],
    "--resume from another cwd (fails: result is_error)"
  )
  const old = await step("old-run.log", "1.0", "legacy", ["-p", "old: first prompt"], "-p")
  const old1 = await step(
    "old-resume-1.log",
    "1.0",
    "legacy",
    ["-p", "old: resume prompt 1", "--resume", old],
    "--resume (new id)"
  )
  const old2 = await step(
    "old-resume-2.log",
    "1.0",
    "legacy",
    ["-p", "old: resume prompt 2", "--resume", old1],
    "--resume (new id)"
  )
  links.push({ from: old, to: old1, kind: "resume" }, { from: old1, to: old2, kind: "resume" })
} finally {
  await standin.close()
}

const encode = (p) => p.replace(/[/.]/g, "-")
const rewrite = (text) => text.split(home).join("/home/dev/.claude").split(base).join("/srv/cc-fixtures")
rmSync(out, { recursive: true, force: true })
mkdirSync(join(out, "logs"), { recursive: true })
for (const [name, text] of Object.entries(logs)) writeFileSync(join(out, "logs", name), rewrite(text))
const projects = join(home, "projects")
mkdirSync(join(out, "claude-home", "projects"), { recursive: true })
for (const folder of readdirSync(projects)) {
  const target = join(out, "claude-home", "projects", folder.replace(encode(base), encode("/srv/cc-fixtures")))
  mkdirSync(target, { recursive: true })
  for (const file of readdirSync(join(projects, folder))) {
    if (!statSync(join(projects, folder, file)).isFile() || !file.endsWith(".jsonl")) continue
    writeFileSync(join(target, file), rewrite(readFileSync(join(projects, folder, file), "utf8")))
  }
}
const table = rows
  .map((r) => `| ${r.name} | ${r.generation} | ${r.cwd} | ${r.describe} | ${r.id ?? "(none)"} | ${r.code} |`)
  .join("\n")
writeFileSync(
  join(out, "README.md"),
  `# Recorded by tools/record-fixtures.mjs\n\nWritten by the real Claude Code CLI from npm (2.1.x as \`@anthropic-ai/claude-code\`, 1.0.30 as the\nalias \`claude-code-1\`), offline against tools/anthropic-standin.mjs, on ${new Date().toISOString().slice(0, 10)}.\nTemp paths rewritten: cwd base → /srv/cc-fixtures, config dir → /home/dev/.claude.\n\n| log | CLI | cwd | command | Claude session id (system/init) | exit |\n|---|---|---|---|---|---|\n${table}\n`
)
writeFileSync(
  join(out, "chains.json"),
  `${JSON.stringify({ links, logs: Object.fromEntries(rows.map((r) => [r.name, r.id ?? null])) }, null, 2)}\n`
)
rmSync(base, { recursive: true, force: true })
console.log(`recorded ${rows.length} runs into ${out}`)
for (const r of rows) console.log(`${r.name.padEnd(26)} ${r.generation} ${String(r.id)} exit=${r.code}`)
