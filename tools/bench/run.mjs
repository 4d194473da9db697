#!/usr/bin/env node
// pnpm bench: generates the corpora, measures ours, the floors and the peer (ccusage 17.2.1)
// in the same run, prints a table and writes BENCHMARKS.md.
//   BENCH_SIZES=1000,10000 (default)   BENCH_DIR=bench-corpus (default)
import { execFileSync, spawnSync } from "node:child_process"
import { appendFileSync, mkdirSync, readdirSync, rmSync, statSync, truncateSync, writeFileSync } from "node:fs"
import { join, resolve } from "node:path"
import { measureAgentSdk } from "./agent-sdk.mjs"
import { generateCorpus } from "./generate.mjs"
import { appendAtOnce, benchPostgres } from "./postgres.mjs"
import {
  appendedLine,
  cliBin,
  dropCaches,
  measure,
  median,
  peer,
  root,
  sdkListSessions,
  smoke,
  timeProcess
} from "./processes.mjs"
import { measureRecover } from "./recover.mjs"
import { renderReport } from "./report.mjs"
import { measureSearch, searchRows } from "./search.mjs"
import { measureVault } from "./vault.mjs"

const sizes = (process.env.BENCH_SIZES ?? "1000,10000").split(",").map(Number)
const corpusDir = resolve(process.env.BENCH_DIR ?? join(root, "bench-corpus"))

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
  for (let i = 0; i < files.length; i += 100) appendFileSync(files[i], appendedLine(`bench-${i}`, "appended"))
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

  const { recoverPlain, recoverChannelCoder } = measureRecover({ store, home, sample: meta.sample })

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
  // the everyday case: a live session appended to one transcript since the last listing
  const live = join(home, "projects", readdirSync(join(home, "projects"))[0])
  const liveFile = join(
    live,
    readdirSync(live).find((name) => name.endsWith(".jsonl"))
  )
  const liveSize = statSync(liveFile).size
  const lsAllAppended = timeProcess(ccArgs(store, "ls", "--all"), {
    runs: smoke ? 1 : 5,
    before: (i) => appendFileSync(liveFile, appendedLine(`live-${size}-${i}`, "live"))
  })
  // the corpus is kept across runs: the file is cut back to what it was
  truncateSync(liveFile, liveSize)
  // the Agent SDK's listSessions() as a whole process, warm and with the page cache dropped
  sdkListSessions(home, { runs: 1 })
  const sdkWarm = sdkListSessions(home, { runs: smoke ? 1 : 3 })
  const sdkCold = sdkListSessions(home, { runs: smoke ? 1 : 3, before: () => dropCaches() })
  // the disk's own pace drifts over a run: the head-and-tail floor is read between the cold
  // listings, each time from a dropped page cache
  const headTailTimes = []
  const lsAllCold = timeProcess(ccArgs(join(store, "ls-cold"), "ls", "--all"), {
    runs: smoke ? 1 : 3,
    before: () => {
      rmSync(join(store, "ls-cold"), { recursive: true, force: true })
      dropCaches()
      headTailTimes.push(measure("floor-head-tail", { home }).ms)
      dropCaches()
    }
  })
  const headTailFloor = { ms: median(headTailTimes), rssMB: Number.NaN }

  const searched = measureSearch({ size, store, liveFile, liveSize, ccArgs })
  const agentSdk = measureAgentSdk({ home, scratch: dir })

  row(size, "floor: stat every file (cold)", statFloor)
  row(size, "floor: stat every file (warm)", statWarm)
  row(size, "floor: read first 16 KB of every file (cold)", headFloor)
  row(size, "floor: read first 16 KB of every file (warm)", headWarm)
  row(size, "floor: read every file whole (cold)", fullFloor)
  row(
    size,
    "floor: read first 16 KB and last 8 KB of every file (cold; median of the reads between the cold listings)",
    headTailFloor
  )
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
  row(
    size,
    "the same cold listing against what it must read (head and tail of every file)",
    { ...lsAllCold, overFloor: (lsAllCold.ms - bareNode.ms) / headTailFloor.ms },
    "head+tail cold",
    headTailFloor,
    "SDK listSessions() cold",
    sdkCold
  )
  row(
    size,
    "process: cc-session ls --all --json (warm index, one transcript appended since the last listing)",
    { ...lsAllAppended, overFloor: (lsAllAppended.ms - bareNode.ms) / statWarm.ms },
    "stat warm",
    statWarm,
    "SDK listSessions() warm",
    sdkWarm,
    "≤ bare node + 2× stat floor, ≥ 50× the SDK's listSessions()"
  )
  row(size, "peer: Agent SDK 0.3.332 listSessions() (warm, whole process)", sdkWarm)
  row(size, "peer: Agent SDK 0.3.332 listSessions() (in process, warm)", agentSdk.sdkWarm)
  row(size, "peer: Agent SDK 0.3.332 listSessions() (in process, cold: caches dropped)", agentSdk.sdkCold)
  row(
    size,
    "@cc/agent-sdk listSessions() (in process, warm: the process's first call, the store's index and listing kept)",
    agentSdk.warm,
    undefined,
    undefined,
    "SDK in process, warm",
    agentSdk.sdkWarm,
    "≥ 20× the SDK's"
  )
  row(
    size,
    "@cc/agent-sdk listSessions() (in process, warm: a later call in the same process)",
    { ms: agentSdk.warm.repeatMs },
    undefined,
    undefined,
    "SDK in process, warm",
    agentSdk.sdkWarm
  )
  row(
    size,
    "@cc/agent-sdk listSessions() (in process, cold: no index, caches dropped)",
    agentSdk.cold,
    undefined,
    undefined,
    "SDK in process, cold",
    agentSdk.sdkCold,
    "≥ 2× the SDK's"
  )
  row(
    size,
    "@cc/agent-sdk getSessionInfo() (in process, warm; median of 200)",
    { ms: agentSdk.warm.infoMs, note: `p99 ${agentSdk.warm.infoP99Ms.toFixed(2)} ms` },
    undefined,
    undefined,
    undefined,
    undefined,
    "≤ 2 ms"
  )
  row(size, "peer: Agent SDK 0.3.332 listSessions() (cold, caches dropped)", sdkCold)
  searchRows(row, size, searched, fullFloor)
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
const vault = await measureVault({ scratch })

const md = renderReport({
  sizes,
  results,
  foldRes,
  append1,
  append8,
  append16,
  pg,
  bigLine,
  vault,
  importCosts,
  bareNode,
  canDrop,
  smoke
})
if (!smoke) writeFileSync(join(root, "BENCHMARKS.md"), md)
console.log(md)
