// recover as a whole cc-session process (warm index), with 1,000 ChannelCoder session files in
// the store, against the same without them.
import { spawnSync } from "node:child_process"
import { cpSync, mkdirSync, rmSync } from "node:fs"
import { join } from "node:path"
import { writeChannelCoderSessions } from "./generate.mjs"
import { root, smoke } from "./processes.mjs"

export const measureRecover = ({ store, home, sample }) => {
  const storeWith = (name, channelCoderFiles) => {
    const s = join(store, name)
    rmSync(s, { recursive: true, force: true })
    mkdirSync(s, { recursive: true, mode: 0o700 })
    cpSync(join(store, "index"), join(s, "index"), { recursive: true })
    if (channelCoderFiles > 0) writeChannelCoderSessions(join(s, "sessions"), sample, channelCoderFiles)
    return s
  }
  const timeRecover = (s) => {
    const runs = []
    for (let i = 0; i < (smoke ? 1 : 3); i++) {
      const t = performance.now()
      const r = spawnSync(
        process.execPath,
        [join(root, "packages/cli/dist/cli.js"), "--store", s, "--claude-home", home, "--json", "recover"],
        { encoding: "utf8", maxBuffer: 1 << 28 }
      )
      if (r.status !== 0) throw new Error(`recover: ${r.stderr}`)
      runs.push(performance.now() - t)
    }
    return { ms: runs.sort((a, b) => a - b)[Math.floor(runs.length / 2)], rssMB: Number.NaN }
  }
  return {
    recoverPlain: timeRecover(storeWith("recover-plain", 0)),
    recoverChannelCoder: timeRecover(storeWith("recover-channelcoder", 1000))
  }
}
