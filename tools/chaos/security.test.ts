import { execFile } from "node:child_process"
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { promisify } from "node:util"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
// @ts-expect-error plain JS tools
import { claudeEnv, startStandin } from "../anthropic-standin.mjs"
// @ts-expect-error plain JS tools
import { claude2 } from "../claude-bins.mjs"
import { record } from "./helpers/scale.js"

const run = promisify(execFile)
const repo = resolve(import.meta.dirname, "../..")
const cli = join(repo, "packages/cli/dist/cli.js")
let dir: string
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "cc-chaos-sec-"))
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const walk = (p: string): Array<string> =>
  readdirSync(p, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? [join(p, e.name), ...walk(join(p, e.name))] : [join(p, e.name)]
  )

describe("security", () => {
  it("store, index, logs and sidecars are 0600 in 0700 directories, and hold no prompt text outside the local index", async () => {
    const standin = await startStandin()
    const home = join(dir, "home")
    const store = join(dir, "store")
    const proj = join(dir, "proj")
    mkdirSync(home, { recursive: true })
    mkdirSync(proj, { recursive: true })
    const secret = "SECRET-PROMPT-7d41c2 please refactor the billing module"
    try {
      const env = claudeEnv(standin.url, home)
      const cc = (args: Array<string>) =>
        run(process.execPath, [cli, "--store", store, "--claude-bin", claude2(), "--json", ...args], { cwd: proj, env })
      const { id } = JSON.parse((await cc(["run", "--", secret])).stdout) as { id: string }
      await cc(["resume", id, "--", `${secret} again`])
      await cc(["index"])
      // the run and its resume were kept in the vault as they wrote
      expect(JSON.parse((await cc(["vault", "verify"])).stdout)).toMatchObject({ copies: 1, damaged: 0 })
      const { token } = JSON.parse((await cc(["token", id])).stdout) as { token: string }
      expect(Buffer.from(token.split(".")[1] as string, "base64url").toString()).not.toContain("SECRET")
      const entries = [store, ...walk(store)]
      let files = 0
      let indexFiles = 0
      let vaultFiles = 0
      for (const path of entries) {
        const mode = statSync(path).mode & 0o777
        if (statSync(path).isDirectory()) expect(mode, path).toBe(0o700)
        else {
          files++
          expect(mode, path).toBe(0o600)
          // logs hold claude's own output, which may quote the prompt; the local index (0600)
          // keeps the first prompt's first 200 characters for `ls --all` and titles, as the
          // SDK's listing shows it; no other file of ours holds prompt text
          // the vault's data files are the transcripts' own bytes (0600, in the store's 0700
          // folders: the Claude home's own level of trust); its manifests hold digests only
          if (path.startsWith(join(store, "index"))) indexFiles++
          else if (path.startsWith(join(store, "vault")) && /\/g\d+\.data$/.test(path)) vaultFiles++
          else if (!path.endsWith(".log")) expect(readFileSync(path, "utf8"), path).not.toContain("SECRET-PROMPT")
        }
      }
      record("file-modes-and-prompt-text", {
        files,
        indexFiles,
        vaultFiles,
        directories: entries.length - files,
        wrongModes: 0,
        promptTextFound: 0
      })
    } finally {
      await standin.close()
    }
  })

  it("the library sends nothing over the network: no network module or fetch in any package source", () => {
    const sources = readdirSync(join(repo, "packages"))
      .flatMap((p) => walk(join(repo, "packages", p, "src")))
      .filter((file) => statSync(file).isFile())
    const network =
      /from\s+["'](node:)?(http|https|http2|net|tls|dgram|dns)["']|require\(["'](node:)?(http|https|net|tls|dgram)["']\)|\bfetch\(|WebSocket/
    const offenders = sources.filter((file) => network.test(readFileSync(file, "utf8")))
    expect(offenders).toEqual([])
    record("no-network", { sourceFiles: sources.length, networkUses: offenders.length })
  })
})
