// One in-process measurement of listSessions(): the Agent SDK's own, or @cc/agent-sdk's (its
// first call in the process, then repeated calls, then getSessionInfo). Run in a process of its
// own by agent-sdk.mjs, so that each starts with nothing loaded; prints JSON.
import { listSessions as sdkListSessions } from "@anthropic-ai/claude-agent-sdk"
import { closeSessions, getSessionInfo, listSessions } from "@cc/agent-sdk"

const [mode, home, store, repeatText = "3"] = process.argv.slice(2)
const repeat = Number(repeatText)
const now = () => performance.now()
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
const timed = async (f) => {
  const t = now()
  const value = await f()
  return { ms: now() - t, value }
}

process.env.CLAUDE_CONFIG_DIR = home
const out = {}
if (mode === "sdk-warm" || mode === "sdk-cold") {
  // warm: the module and the page cache warmed by one untimed call; cold: the first call, caches dropped before
  if (mode === "sdk-warm") await sdkListSessions()
  const runs = []
  let rows = 0
  for (let i = 0; i < (mode === "sdk-warm" ? repeat : 1); i++) {
    const { ms, value } = await timed(() => sdkListSessions())
    runs.push(ms)
    rows = value.length
  }
  Object.assign(out, { ms: median(runs), rows })
} else {
  const ccSession = { storeDir: store, claudeHomes: [home] }
  const first = await timed(() => listSessions({ ccSession }))
  const again = []
  for (let i = 0; i < repeat; i++) again.push((await timed(() => listSessions({ ccSession }))).ms)
  const ids = first.value.map((r) => r.sessionId)
  const info = []
  for (let i = 0; i < 200; i++) {
    const id = ids[(i * 7919) % ids.length]
    info.push((await timed(() => getSessionInfo(id, { ccSession }))).ms)
  }
  info.sort((a, b) => a - b)
  Object.assign(out, {
    ms: first.ms,
    rows: first.value.length,
    repeatMs: median(again),
    infoMs: median(info),
    infoP99Ms: info[Math.floor(info.length * 0.99)]
  })
  await closeSessions()
}
process.stdout.write(JSON.stringify(out))
