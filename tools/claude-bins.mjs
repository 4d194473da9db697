// Where the real Claude Code CLIs installed from npm live (tools/package.json):
// 2.1.x as `@anthropic-ai/claude-code`, 1.0.30 through the npm alias `claude-code-1`.
import { createRequire } from "node:module"
import { dirname, join } from "node:path"

const require = createRequire(import.meta.url)

export const claude2 = () =>
  join(dirname(require.resolve("@anthropic-ai/claude-code/package.json")), "bin", "claude.exe")
/** The newest 2.1.x the e2e matrix pins (2.1.332, Nov 2026), through the npm alias `claude-code-latest`. */
export const claudeLatest = () => join(dirname(require.resolve("claude-code-latest/package.json")), "bin", "claude.exe")
export const claude1 = () => join(dirname(require.resolve("claude-code-1/package.json")), "cli.js")

/** Command and leading args to run a generation ("2.1" or "1.0"). */
export const claudeCommand = (generation) =>
  generation === "1.0" ? { command: process.execPath, args: [claude1()] } : { command: claude2(), args: [] }
