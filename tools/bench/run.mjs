#!/usr/bin/env node
// pnpm bench: generates the corpora, measures ours, the floors and the peer (ccusage 17.2.1)
// in the same run, prints a table and writes BENCHMARKS.md.
//   BENCH_SIZES=1000,10000 (default)   BENCH_DIR=bench-corpus (default)
import { execFileSync, spawnSync } from "node:child_process"
import { appendFileSync, cpSync, mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs"
import { createRequire } from "node:module"
import { cpus, totalmem } from "node:os"
import { dirname, join, resolve } from "node:path"
import { generateCorpus, writeChannelCoderSessions } from "./generate.mjs"
import { appendAtOnce, benchPostgres, percentile } from "./postgres.mjs"

const root = resolve(import.meta.dirname, "..", "..")
const sizes = (process.env.BENCH_SIZES ?? "1000,10000").split(",").map(Number)
const corpusDir = resolve(process.env.BENCH_DIR ?? join(root, "bench-corpus"))
const smoke = process.env.BENCH_SMOKE === "1"
const measureScript = join(import.meta.dirname, "measure.mjs")
const hook = join(import.meta.dirname, "rss-hook.mjs")
const ccusageBin = join(dirname(createRequire(import.meta.url).resolve("ccusage/package.json")), "dist", "index.js")

const measure = (task, args, nodeFlags = []) => {
  const r = spawnSync(process.execPath, ["--expose-gc", ...nodeFlags, measureScript, task, JSON.stringify(args)], {
    encoding: "utf8",
    maxBuffer: 1 << 26
  })
  if (r.status !== 0) throw new Error(`${task}: ${r.stderr}`)
  return JSON.parse(r.stdout)
}

const peer = (home) => {
  const t = performance.now()
  const r = spawnSync(process.execPath, ["--import", hook, ccusageBin, "session", "--json", "--offline"], {
    encoding: "utf8",
    maxBuffer: 1 << 28,
    env: { ...process.env, CLAUDE_CONFIG_DIR: home, HOME: join(home, "..") }
  })
  const ms = performance.now() - t
  const rss = Number(/@@rss (\d+)/.exec(r.stderr ?? "")?.[1] ?? 0) / 1024
  let sessions = 0
  try {
    sessions = JSON.parse(r.stdout).sessions?.length ?? 0
  } catch {}
  return { ms, rssMB: rss, sessions, status: r.status }
}

const dropCaches = () => {
  try {
    execFileSync("sh", ["-c", "sync; echo 3 > /proc/sys/vm/drop_caches"], { stdio: "ignore" })
    return true
  } catch {
    return false
  }
}

const cliBin = join(root, "packages/cli/dist/cli.js")
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
/** A whole process, started `runs` times: median wall time, and the largest peak RSS. */
const timeProcess = (args, { runs = smoke ? 1 : 7, before } = {}) => {
  const times = []
  let rssMB = 0
  for (let i = 0; i < runs; i++) {
    before?.(i)
    const t = performance.now()
    const r = spawnSync(process.execPath, ["--import", hook, ...args], { encoding: "utf8", maxBuffer: 1 << 28 })
    times.push(performance.now() - t)
    if (r.status !== 0) throw new Error(`${args.join(" ")}: ${r.stderr}`)
    rssMB = Math.max(rssMB, Number(/@@rss (\d+)/.exec(r.stderr ?? "")?.[1] ?? 0) / 1024)
  }
  return { ms: median(times), rssMB }
}
const bareNode = timeProcess(["-e", ""], { runs: smoke ? 1 : 15 })
const cliHelp = timeProcess([cliBin, "--help"], { runs: smoke ? 1 : 15 })
// what importing each package alone costs, over a bare start
const importCosts = ["events", "sources", "cache", "resolver", "cli", "channelcoder"].map((name) => {
  const entry = join(root, "packages", name, "dist", "index.js")
  return { name, ...timeProcess(["--input-type=module", "-e", `await import(${JSON.stringify(entry)})`]) }
})

const results = []
const row = (size, name, value, floorName, floor, peerName, peerValue, target) => {
  results.push({ size, name, ...value, floorName, floorMs: floor?.ms, peerName, peerMs: peerValue?.ms, target })
}

const canDrop = dropCaches()
for (const size of sizes) {
  const dir = join(corpusDir, String(size))
  console.error(`corpus ${size}: generating (cached across runs) …`)
  const meta = generateCorpus(size, dir, 42)
  const home = join(dir, "claude")
  const store = join(dir, "store")
  rmSync(store, { recursive: true, force: true })
  mkdirSync(store, { recursive: true, mode: 0o700 })
  const sample = meta.sample[Math.floor(meta.sample.length / 2)]
  console.error(`corpus ${size}: ${meta.files} files, ${(meta.bytes / 2 ** 30).toFixed(2)} GiB`)

  // floors and peer, cold then warm page cache where the machine lets us drop it
  dropCaches()
  const peerCold = peer(home)
  const peerWarm = peer(home)
  dropCaches()
  const statFloor = measure("floor-stat", { home })
  dropCaches()
  const headFloor = measure("floor-head16k", { home })
  dropCaches()
  const fullFloor = smoke ? { ms: Number.NaN, rssMB: Number.NaN } : measure("floor-full", { home })
  const statWarm = measure("floor-stat", { home })
  const headWarm = measure("floor-head16k", { home })

  dropCaches()
  const build = measure("index-build", { home, store })
  const refresh = measure("index-refresh", { home, store })
  // append to 1% of the files
  const files = readdirSync(join(home, "projects")).flatMap((f) =>
    readdirSync(join(home, "projects", f))
      .filter((n) => n.endsWith(".jsonl"))
      .map((n) => join(home, "projects", f, n))
  )
  for (let i = 0; i < files.length; i += 100)
    appendFileSync(
      files[i],
      `${JSON.stringify({ type: "assistant", uuid: `bench-${i}`, timestamp: new Date().toISOString(), message: { role: "assistant", content: [{ type: "text", text: "appended" }] } })}\n`
    )
  // the same once the code has run a few times in the process (the 5th run of each)
  const refreshRepeated = measure("index-refresh-repeated", { home, store })
  const statRepeated = measure("floor-stat-repeated", { home })
  const refresh1 = measure("index-refresh", { home, store })
  dropCaches()
  const listCold = measure("list-all", { home, store: join(store, "cold"), cold: true })
  // the same cold list with V8's old space capped: how much of its peak was garbage
  dropCaches()
  const listColdCapped = measure("list-all", { home, store: join(store, "cold-capped"), cold: true }, [
    "--max-old-space-size=100"
  ])
  const listWarm = measure("list-all", { home, store })

  // recover (a whole cc-session process, warm index) with 1,000 ChannelCoder session files in
  // the store, against the same without them
  const recoverStore = (name, channelCoderFiles) => {
    const s = join(store, name)
    rmSync(s, { recursive: true, force: true })
    mkdirSync(s, { recursive: true, mode: 0o700 })
    cpSync(join(store, "index"), join(s, "index"), { recursive: true })
    if (channelCoderFiles > 0) writeChannelCoderSessions(join(s, "sessions"), meta.sample, channelCoderFiles)
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
  const recoverPlain = timeRecover(recoverStore("recover-plain", 0))
  const recoverChannelCoder = timeRecover(recoverStore("recover-channelcoder", 1000))

  dropCaches()
  const coldClaude = measure("resolve", {
    home,
    store: join(store, "cold-resolve"),
    ref: sample.id,
    cold: true,
    repeat: 50
  })
  const warmClaude = measure("resolve", { home, store, ref: sample.id, repeat: 500 })
  // a stable id: adopt the sample into a store, then resolve by it and by a token
  const cc = (...args) =>
    JSON.parse(
      execFileSync(
        process.execPath,
        [join(root, "packages/cli/dist/cli.js"), "--store", store, "--claude-home", home, "--json", ...args],
        {
          encoding: "utf8",
          maxBuffer: 1 << 28
        }
      )
    )
  const adopted = cc("show", sample.id)
  const { token } = cc("token", sample.id)
  cc("recover", "--adopt")
  const stable = cc("show", sample.id).id
  const warmStable = measure("resolve", { home, store, ref: stable, repeat: 500 })
  const coldToken = measure("resolve", { home, store: join(store, "cold-token"), ref: token, cold: true, repeat: 50 })
  const warmToken = measure("resolve", { home, store, ref: token, repeat: 200 })

  // whole cc-session processes, as a person or a script pays for them
  const ccArgs = (s, ...args) => [cliBin, "--store", s, "--claude-home", home, "--json", ...args]
  const cliShow = timeProcess(ccArgs(store, "show", stable))
  const cliResolve = timeProcess(ccArgs(store, "resolve", sample.id))
  // warm: the index is fresh and the last listing is kept (one untimed listing first)
  spawnSync(process.execPath, ccArgs(store, "ls", "--all"), { maxBuffer: 1 << 28 })
  const lsAllWarm = timeProcess(ccArgs(store, "ls", "--all"))
  // the store changed since the last listing: it is made again (the whole log folded)
  const lsAllAfresh = timeProcess(ccArgs(store, "ls", "--all"), {
    runs: smoke ? 1 : 3,
    before: () => measure("append", { store, count: 1 })
  })
  const lsAllCold = timeProcess(ccArgs(join(store, "ls-cold"), "ls", "--all"), {
    runs: smoke ? 1 : 3,
    before: () => {
      rmSync(join(store, "ls-cold"), { recursive: true, force: true })
      dropCaches()
    }
  })

  row(size, "floor: stat every file (cold)", statFloor)
  row(size, "floor: stat every file (warm)", statWarm)
  row(size, "floor: read first 16 KB of every file (cold)", headFloor)
  row(size, "floor: read first 16 KB of every file (warm)", headWarm)
  row(size, "floor: read every file whole (cold)", fullFloor)
  row(size, "peer: ccusage session --json --offline (cold)", peerCold)
  row(size, "peer: ccusage session --json --offline (warm)", peerWarm)
  row(size, "process: node -e '' (bare start)", bareNode)
  row(size, "process: cc-session --help", cliHelp, "bare node", bareNode, undefined, undefined, "≤ 1.5× bare node")
  row(
    size,
    "process: cc-session show <stable id> (warm)",
    cliShow,
    "bare node",
    bareNode,
    undefined,
    undefined,
    "≤ 2.5× bare node"
  )
  row(
    size,
    "process: cc-session resolve <claude id> (warm)",
    cliResolve,
    "bare node",
    bareNode,
    undefined,
    undefined,
    "≤ 2.5× bare node"
  )
  row(
    size,
    "process: cc-session ls --all --json (warm index)",
    { ...lsAllWarm, overFloor: (lsAllWarm.ms - bareNode.ms) / statWarm.ms },
    "stat warm",
    statWarm,
    "ccusage warm",
    peerWarm,
    "≤ bare node + 1.5× stat floor, ≥ 150× ccusage, ≤ 150 MB"
  )
  row(
    size,
    "process: cc-session ls --all --json (warm index, the store changed: listing made again)",
    { ...lsAllAfresh, overFloor: (lsAllAfresh.ms - bareNode.ms) / statWarm.ms },
    "stat warm",
    statWarm,
    "ccusage warm",
    peerWarm
  )
  row(
    size,
    "process: cc-session ls --all --json (cold: no index, caches dropped)",
    { ...lsAllCold, overFloor: (lsAllCold.ms - bareNode.ms) / headFloor.ms },
    "head16k cold",
    headFloor,
    "ccusage cold",
    peerCold,
    "≤ bare node + 1.2× head-read floor"
  )
  row(size, "cc-session recover --json (warm index, whole process)", recoverPlain)
  row(
    size,
    "the same with 1,000 ChannelCoder session files in the store",
    recoverChannelCoder,
    "recover without",
    recoverPlain,
    undefined,
    undefined,
    "≤ 1.2× recover without them"
  )
  row(size, "index build (cold)", build, "head16k cold", headFloor, "ccusage cold", peerCold)
  row(size, "index refresh, nothing changed", refresh, "stat warm", statWarm, undefined, undefined, "≤ 1.2× stat floor")
  row(
    size,
    "index refresh, nothing changed, index already in memory",
    { ms: refresh.ms - refresh.loadMs, rssMB: refresh.rssMB },
    "stat warm",
    statWarm,
    undefined,
    undefined,
    "≤ 1.2× stat floor"
  )
  row(size, "floor: stat every file (warm, 5th run in one process)", statRepeated)
  row(
    size,
    "index refresh, nothing changed (5th run in one process)",
    refreshRepeated,
    "stat 5th run",
    statRepeated,
    undefined,
    undefined,
    "≤ 1.2× stat floor"
  )
  row(size, "index refresh, 1% of files appended", refresh1, "stat warm", statWarm)
  row(
    size,
    "list all sessions with metadata (cold, no index)",
    listCold,
    "head16k cold",
    headFloor,
    "ccusage cold",
    peerCold,
    "≥ 50× faster than ccusage cold, ≤ 150 MB"
  )
  row(
    size,
    "list all sessions with metadata (cold, no index), node --max-old-space-size=100",
    listColdCapped,
    "head16k cold",
    headFloor,
    "ccusage cold",
    peerCold
  )
  row(
    size,
    "list all sessions with metadata (warm index)",
    listWarm,
    "stat warm",
    statWarm,
    "ccusage warm",
    peerWarm,
    "≥ 150× faster than ccusage warm, ≤ 150 MB"
  )
  row(
    size,
    "resolve by Claude id (cold: new process, no index)",
    coldClaude,
    "head16k cold",
    headFloor,
    "ccusage cold",
    peerCold,
    "≤ 1.3× head-read floor"
  )
  row(
    size,
    "resolve by Claude id (warm, in process)",
    { ...warmClaude, ms: warmClaude.warmMs },
    undefined,
    undefined,
    undefined,
    undefined,
    "≤ 2 ms"
  )
  row(
    size,
    "resolve by stable id (warm, in process)",
    { ...warmStable, ms: warmStable.warmMs },
    undefined,
    undefined,
    undefined,
    undefined,
    "≤ 2 ms"
  )
  row(
    size,
    "resolve by token (cold: new process, no index)",
    coldToken,
    "head16k cold",
    headFloor,
    "ccusage cold",
    peerCold,
    "≤ 1.3× head-read floor"
  )
  row(
    size,
    "resolve by token (warm, in process)",
    { ...warmToken, ms: warmToken.warmMs },
    undefined,
    undefined,
    undefined,
    undefined,
    "≤ 2 ms"
  )
  results.push({
    size,
    meta: {
      files: meta.files,
      bytes: meta.bytes,
      projects: meta.projects,
      sessionsPeer: peerCold.sessions,
      adopted: adopted.claudeSessionIds?.length
    }
  })
}

// size-independent
const scratch = join(corpusDir, "scratch")
rmSync(scratch, { recursive: true, force: true })
mkdirSync(scratch, { recursive: true })
const foldRes = measure("fold-1m", { events: smoke ? 100_000 : 1_000_000 })
const append1 = measure("append", { store: join(scratch, "a1"), count: smoke ? 200 : 2000 })
const fileAppend = { task: "append", args: { store: join(scratch, "a8") } }
const append8 = await appendAtOnce(8, smoke ? 100 : 500, fileAppend)
const append16 = await appendAtOnce(16, smoke ? 25 : 250, { task: "append", args: { store: join(scratch, "a16") } })
const pg = await benchPostgres({ scratch, smoke })
const bigLine = measure("big-line", { dir: scratch })

const fmt = (n, d = 1) => (Number.isFinite(n) ? n.toFixed(d) : "–")
const lines = []
for (const size of sizes) {
  const meta = results.find((r) => r.size === size && r.meta)?.meta
  lines.push(
    `\n### ${size} sessions — ${meta.files} transcripts, ${(meta.bytes / 2 ** 30).toFixed(2)} GiB, ${meta.projects} projects\n`
  )
  lines.push("| measurement | time (ms) | peak RSS (MB) | × floor | × peer (speed-up) | target |")
  lines.push("|---|---:|---:|---:|---:|---|")
  for (const r of results.filter((x) => x.size === size && !x.meta)) {
    const xFloor = r.floorMs ? `${fmt(r.ms / r.floorMs, 2)} (${r.floorName})` : ""
    const xPeer = r.peerMs ? `${fmt(r.peerMs / r.ms, 0)}× (${r.peerName})` : ""
    lines.push(
      `| ${r.name} | ${fmt(r.ms, r.ms < 10 ? 3 : 0)} | ${fmt(r.rssMB, 0)} | ${xFloor} | ${xPeer} | ${r.target ?? ""} |`
    )
  }
}
lines.push("\n### Independent of corpus size\n")
lines.push("| measurement | figure | peak RSS (MB) | target |")
lines.push("|---|---:|---:|---|")
lines.push(
  `| fold of ${foldRes.events.toLocaleString("en")} events | ${fmt(foldRes.ms, 0)} ms | ${fmt(foldRes.rssMB, 0)} | ≤ 1 s |`
)
lines.push(
  `| append, 1 process (fdatasync each) | ${fmt((append1.count / append1.ms) * 1000, 0)} events/s | ${fmt(append1.rssMB, 0)} | |`
)
lines.push(
  `| append, 8 processes at once (fdatasync each) | ${fmt((append8.count / append8.ms) * 1000, 0)} events/s | ${fmt(append8.rssMB, 0)} | |`
)
lines.push(
  `| append, 16 processes at once (fdatasync each) | ${fmt((append16.count / append16.ms) * 1000, 0)} events/s | ${fmt(append16.rssMB, 0)} | |`
)
const latency = (xs) => `p50 ${fmt(percentile(xs, 50), 1)} ms, p95 ${fmt(percentile(xs, 95), 1)} ms`
lines.push(
  `| PostgreSQL: append, 1 process (one transaction each) | ${fmt((pg.one.count / pg.one.ms) * 1000, 0)} events/s (${latency(pg.one.latencies)}) | ${fmt(pg.one.rssMB, 0)} | |`
)
lines.push(
  `| PostgreSQL: append, 16 processes at once | ${fmt((pg.sixteen.count / pg.sixteen.ms) * 1000, 0)} events/s (${latency(pg.sixteen.latencies)}) | ${fmt(pg.sixteen.rssMB, 0)} | |`
)
lines.push(
  `| PostgreSQL: a new reader's fold of ${pg.foldLog.events.toLocaleString("en")} events (\`foldLog\`: ${pg.foldLog.resumedFrom === null ? "no snapshot kept, a replay" : `the newest snapshot, then the ${pg.foldLog.folded.toLocaleString("en")} events after it`}) | ${fmt(pg.foldLog.ms, 0)} ms | ${fmt(pg.foldLog.rssMB, 0)} | ≤ 2 s for 1M |`
)
lines.push(
  `| PostgreSQL: replay, reading and folding all ${pg.readFold.events.toLocaleString("en")} events (no snapshot) | ${fmt(pg.readFold.ms, 0)} ms (read ${fmt(pg.readFold.readMs, 0)} ms) | ${fmt(pg.readFold.rssMB, 0)} | |`
)
lines.push(
  `| PostgreSQL: the first \`foldLog\` (a replay${pg.firstFold.saved ? ", then keeping a snapshot" : ""}) | ${fmt(pg.firstFold.ms, 0)} ms | ${fmt(pg.firstFold.rssMB, 0)} | |`
)
lines.push(
  `| PostgreSQL: one session's events in a ${pg.readFold.events.toLocaleString("en")}-event log, by its stable id / by a Claude id it names (\`readSessions\`, warm) | ${fmt(pg.readSessions.bySession.ms, 1)} / ${fmt(pg.readSessions.byClaudeId.ms, 1)} ms (${pg.readSessions.byClaudeId.events} events) | ${fmt(pg.readSessions.rssMB, 0)} | |`
)
lines.push(
  `| PostgreSQL: tail latency, append in one process to event in another (${pg.tail.latencies.length} events) | ${latency(pg.tail.latencies)} | ${fmt(pg.tail.rssMB, 0)} | |`
)
lines.push(
  `| head of a transcript with a 50 MB line | ${fmt(bigLine.ms, 0)} ms | ${fmt(bigLine.rssMB, 0)} (before: ${fmt(bigLine.rssBeforeMB, 0)}) | a few MB over baseline |`
)

lines.push("\n### Import cost of each package (a new process importing it alone)\n")
lines.push("| package | time (ms) | over a bare start (ms) | peak RSS (MB) |")
lines.push("|---|---:|---:|---:|")
for (const c of importCosts) {
  lines.push(`| @cc/${c.name} | ${fmt(c.ms, 0)} | ${fmt(c.ms - bareNode.ms, 0)} | ${fmt(c.rssMB, 0)} |`)
}

const cpu = cpus()[0]?.model ?? "cpu"
const header = `# Benchmarks

\`pnpm bench\` (tools/bench): a seeded corpus generator, then every figure below measured in one
run, each in its own process (peak RSS is that process's). Ratios matter more than times:
this machine is shared and noisy. "× floor" is our time over the floor's (1.00 = as fast as
merely touching the files); "× peer" is how many times faster than \`ccusage@17.2.1\` (its last
pure-JS release, reading the same corpus through \`CLAUDE_CONFIG_DIR\`).

Machine: ${cpus().length} × ${cpu}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB RAM, Node ${process.version}, ${new Date().toISOString().slice(0, 10)}.
Page cache: ${canDrop ? "dropped before every cold measurement (echo 3 > /proc/sys/vm/drop_caches)" : 'could not be dropped on this machine, so "cold" means no index, not a cold disk'}.
${smoke ? "\n**Smoke run** (BENCH_SMOKE=1): small sizes, figures are not meaningful.\n" : ""}`
// the verdict on each target, computed from this run's largest corpus
const largest = Math.max(...sizes)
const at = (name) => results.find((r) => r.size === largest && r.name === name) ?? {}
const ratio = (r) => r.ms / r.floorMs
const speedUp = (r) => r.peerMs / r.ms
// [target, figure, met?, shown as]
const atMost = (limit, unit) => [
  (x) => x <= limit,
  (x) => `${fmt(x, unit === "×" ? 2 : unit === "ms" ? 2 : 0)}${unit === "×" ? "×" : ` ${unit}`}`
]
const atLeast = (limit) => [(x) => x >= limit, (x) => `${fmt(x, 0)}×`]
const coldList = "list all sessions with metadata (cold, no index)"
const verdicts = [
  [
    "cold resolve by Claude id ≤ 1.3× head-read floor",
    ratio(at("resolve by Claude id (cold: new process, no index)")),
    ...atMost(1.3, "×")
  ],
  [
    "cold resolve by token ≤ 1.3× head-read floor",
    ratio(at("resolve by token (cold: new process, no index)")),
    ...atMost(1.3, "×")
  ],
  ["warm resolve by Claude id ≤ 2 ms", at("resolve by Claude id (warm, in process)").ms, ...atMost(2, "ms")],
  ["warm resolve by stable id ≤ 2 ms", at("resolve by stable id (warm, in process)").ms, ...atMost(2, "ms")],
  ["warm resolve by token ≤ 2 ms", at("resolve by token (warm, in process)").ms, ...atMost(2, "ms")],
  [
    "refresh of an unchanged index ≤ 1.2× stat floor (new process)",
    ratio(at("index refresh, nothing changed")),
    ...atMost(1.2, "×")
  ],
  [
    "the same with the index in memory",
    ratio(at("index refresh, nothing changed, index already in memory")),
    ...atMost(1.2, "×")
  ],
  [
    "the same, 5th run in one process (against the floor's 5th run)",
    ratio(at("index refresh, nothing changed (5th run in one process)")),
    ...atMost(1.2, "×")
  ],
  ["list all ≥ 50× faster than ccusage cold", speedUp(at(coldList)), ...atLeast(50)],
  [
    "list all (cold) in ≤ 150 MB",
    at(coldList).rssMB,
    (x) => x <= 150,
    (x) => `${fmt(x, 0)} MB peak RSS, ${fmt(at(coldList).liveMB, 0)} MB live heap`
  ],
  [
    "list all ≥ 150× faster than ccusage warm",
    speedUp(at("list all sessions with metadata (warm index)")),
    ...atLeast(150)
  ],
  ["list all (warm) in ≤ 150 MB", at("list all sessions with metadata (warm index)").rssMB, ...atMost(150, "MB")],
  ["cc-session --help ≤ 1.5× bare node", ratio(at("process: cc-session --help")), ...atMost(1.5, "×")],
  [
    "warm show <stable id> ≤ 2.5× bare node",
    ratio(at("process: cc-session show <stable id> (warm)")),
    ...atMost(2.5, "×")
  ],
  [
    "warm resolve <claude id> ≤ 2.5× bare node",
    ratio(at("process: cc-session resolve <claude id> (warm)")),
    ...atMost(2.5, "×")
  ],
  [
    "ls --all --json warm ≤ bare node + 1.5× stat floor",
    at("process: cc-session ls --all --json (warm index)").overFloor,
    (x) => x <= 1.5,
    (x) => `bare node + ${fmt(x, 2)}× stat floor`
  ],
  [
    "ls --all --json cold ≤ bare node + 1.2× head-read floor",
    at("process: cc-session ls --all --json (cold: no index, caches dropped)").overFloor,
    (x) => x <= 1.2,
    (x) => `bare node + ${fmt(x, 2)}× head-read floor`
  ],
  [
    "ls --all --json ≥ 150× faster than ccusage session --json (warm, whole processes)",
    speedUp(at("process: cc-session ls --all --json (warm index)")),
    ...atLeast(150)
  ],
  ["ls --all --json in ≤ 150 MB", at("process: cc-session ls --all --json (warm index)").rssMB, ...atMost(150, "MB")],
  [
    "recover with 1,000 ChannelCoder session files ≤ 1.2× recover without",
    ratio(at("the same with 1,000 ChannelCoder session files in the store")),
    ...atMost(1.2, "×")
  ],
  ["fold of 1M events ≤ 1 s", foldRes.ms, (x) => x <= 1000, (x) => `${fmt(x, 0)} ms`],
  [
    "PostgreSQL: a new reader has the fold of 1M events ≤ 2 s (snapshot + what came after)",
    pg.foldLog.ms,
    (x) => pg.foldLog.resumedFrom !== null && x <= 2000,
    (x) =>
      `${fmt(x, 0)} ms${pg.readFold.events === 1_000_000 ? "" : ` (at ${pg.readFold.events.toLocaleString("en")})`}`
  ],
  [
    "PostgreSQL: replay of 1M events with no snapshot ≤ 2 s",
    pg.readFold.ms * (1_000_000 / pg.readFold.events),
    (x) => x <= 2000,
    (x) => `${fmt(x, 0)} ms${pg.readFold.events === 1_000_000 ? "" : " (scaled)"}`
  ],
  [
    "a 50 MB line raises peak RSS by a few MB",
    bigLine.rssMB - bigLine.rssBeforeMB,
    (x) => x <= 10,
    (x) => `+${fmt(x, 0)} MB`
  ]
]
const verdictLines = [
  `\n## Targets (${largest} sessions)\n`,
  "| target | this run | met |",
  "|---|---:|---|",
  ...verdicts.map(([name, x, ok, show]) => `| ${name} | ${show(x)} | ${smoke ? "(smoke)" : ok(x) ? "yes" : "**no**"} |`)
]
const md = `${header}\n${lines.join("\n")}\n${verdictLines.join("\n")}\n\n${readNotes()}`
function readNotes() {
  return `## What bounds each figure

- **Cold resolve by Claude id.** The id names its file: one \`stat\` per project folder finds
  it, and only that folder is read (chains never leave their project folder).
- **Cold index build, cold resolve by token, cold list.** A token cannot take the
  single-folder shortcut (its session may sit in a worktree's or a mount's folder), so these
  three build the whole index. For each transcript the build:
  - lists and \`lstat\`s the file, synchronously;
  - opens it and reads the first 16 KiB and the last 8 KiB;
  - parses the head's lines, and scans the end as bytes (timestamps and message uuids found
    with \`Buffer.indexOf\`, no text made of it).

  The reads are asynchronous, 16 files in flight across folders. A cold disk serves parallel
  reads several times faster than the floor's one-after-another reads, which pays for the
  second read per file. What is left over the floor is CPU: the JSON and Schema decoding of
  head lines, and Node's per-call cost for \`fs\`. A pair of files sharing a root message is
  linked as original and fork without reading either. Only groups of three or more, and
  1.0.x leaves missing from every tail, read whole files.
- **List all vs ccusage cold: out of reach on this corpus.** ccusage cold is about ${fmt(at("peer: ccusage session --json --offline (cold)").ms / at("floor: read first 16 KB of every file (cold)").ms, 0)}×
  the head-read floor. Reading nothing but the first 16 KB of each file would therefore be
  about that much faster than ccusage, not 50×.
- **Memory of the cold list.** Node with Effect's Schema loaded starts at about 70 MB. The
  ${largest.toLocaleString("en")} listed sessions hold about ${fmt(at("list all sessions with metadata (cold, no index)").liveMB, 0)} MB of live heap. The rest of the peak is
  garbage that V8 lets its young generation and old space grow into before its first full
  collection: with the old space capped at 100 MB (\`node --max-old-space-size=100\`, a
  choice for the process, not for a library) the same list peaks at ${fmt(at("list all sessions with metadata (cold, no index), node --max-old-space-size=100").rssMB, 0)} MB in ${fmt(at("list all sessions with metadata (cold, no index), node --max-old-space-size=100").ms, 0)} ms. Nothing holds
  a file's contents: the 50 MB line figure shows it.
- **Refresh of an unchanged index.** The survey is one \`lstat\` per transcript against the
  stamps (with the index in memory: ${fmt(ratio(at("index refresh, nothing changed, index already in memory")), 2)}× the floor). From a new process, opening the index
  adds ${fmt(at("index refresh, nothing changed").loadMs, 0)} ms: reading the header and the stamps line (under 1 MB for ${largest.toLocaleString("en")} files), and their
  JSON parse and Schema decode, which includes the decoder's first use in the process. The
  folders' own lines are not read until asked for. Once the code has run a few times in a
  process, a refresh is ${fmt(ratio(at("index refresh, nothing changed (5th run in one process)")), 2)}× the floor's own 5th run: it \`lstat\`s the ${largest.toLocaleString("en")} transcripts only,
  where the floor stats every entry of every folder. What a new process adds is the load
  above and the first runs of more code than the floor's loop.
- **Warm resolves.** The resolver keeps the folded log and reads only what was appended since.
  The index is in memory, and no transcript content is read.
- **Fold of 1M events.** One map lookup per event (by session, then by fact): hashing each
  event's session id is most of what is left. Evidence objects are built only when kept (at most
  16 per fact). Idempotence holds by construction (a join-semilattice), so no set of seen event
  ids is kept. The events are folded as a store hands them over, decoded from their lines:
  events built by template literals hold rope strings that V8 flattens on every map lookup,
  which doubled this figure until 2026-11-28 without being a cost any read log has.
- **Append from 8 processes** is slower in total than from one: they wait their turn in the
  append queue (a FIFO of ticket files, served in order); each append is still one \`write\`
  plus \`fdatasync\`.
- **Whole cc-session processes.** \`--help\` loads the argument parser only (${fmt(ratio(at("process: cc-session --help")), 2)}× a bare
  start). \`show\` and \`resolve\` of one session read only that session's events, found in the
  store's session index (\`events.sessions.idx\`: one read of it, a few \`pread\`s of the log),
  and only the index folder that holds its transcripts: they cost about the same whatever the
  store holds. What is left over a bare start is loading the bundled code, Effect's runtime and
  Schema among it (importing \`@cc/events\` alone costs ${fmt((importCosts.find((c) => c.name === "events")?.ms ?? Number.NaN) - bareNode.ms, 0)} ms here).
- **\`ls --all\`, warm.** The last listing is kept beside the index (\`ls-all.v2.jsonl\`, with
  the identities of the index file and the event log it was made from, and a digest). A warm
  listing is: open the index (its stamps line), refresh it (one \`lstat\` per transcript: the
  stat floor itself), find both unchanged, check the digest, print. Over the floor that leaves
  loading the bundled code (Effect among it) and the stamps' decode; the listing itself is
  printed as it was kept. When the store or a transcript changed, the listing is made again:
  the whole event log is folded (a row per chain needs every session's claims) and every folder
  of the index decoded (the "store changed" row) — a snapshot of the fold beside the log and
  folder details loaded without a Schema pass are what would make that case fast; not done.
- **PostgreSQL.** Each append is one transaction (with its commit's WAL flush) under one
  advisory lock, so 16 writers share the throughput of one, in order; their latency is the
  queue's. A replay pages through positions 10,000 events at a time, each page one text from
  the server (a row per event cost the reader more to parse than the event itself), the next
  page read by the server while this one is decoded. Every line is JSON-parsed and checked as a
  file store line is: that parsing and the fold, not the server, bound a replay. A new reader
  does not replay: \`foldLog\` starts from the newest fold snapshot the store keeps (a reader
  that folded 20,000 events past the last one keeps a new one), decodes it with its schema,
  checks that the log still holds the last event it covers, and folds only what came after.
  \`tail\` wakes on NOTIFY, so its latency is a round trip, not a poll interval.
- **recover with ChannelCoder files.** The 1,000 session files are listed once, each read and
  decoded once; each placeholder's run is matched against the transcripts with the same
  first-prompt hash only (a map built once), so the extra cost is the files' own reading.

ccusage reads and parses every line of every transcript to total up usage. We read heads and
ends, which is where the speed-up comes from, and why it grows with file size.
`
}
if (!smoke) writeFileSync(join(root, "BENCHMARKS.md"), md)
console.log(md)
