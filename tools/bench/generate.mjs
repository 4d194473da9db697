// A deterministic generator of realistic Claude Code transcript corpora for benchmarks.
// Seeded; the size mix of real use: most files 10–200 KB, a tail (~1%) of 1–20 MB tool-heavy
// ones; 1.0.x resumes (summary + leafUuid), 2.1.x forks (copied history, same uuids),
// subagent transcripts, many projects and worktrees.
//   node tools/bench/generate.mjs <sessions> <outDir> [seed]
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from "node:fs"
import { join } from "node:path"

export const generateCorpus = (sessions, out, seed = 42) => {
  const marker = join(out, "corpus.json")
  if (existsSync(marker)) {
    const meta = JSON.parse(readFileSync(marker, "utf8"))
    if (meta.sessions === sessions && meta.seed === seed && meta.version === 4) return meta
  }
  // a corpus of another version or seed is replaced whole, never mixed
  rmSync(join(out, "claude"), { recursive: true, force: true })
  let state = seed >>> 0 || 1
  const rand = () => {
    state ^= state << 13
    state ^= state >>> 17
    state ^= state << 5
    state >>>= 0
    return state / 4294967296
  }
  const pick = (n) => Math.floor(rand() * n)
  const hex = (n) => Array.from({ length: n }, () => "0123456789abcdef"[pick(16)]).join("")
  const uuid = () => `${hex(8)}-${hex(4)}-4${hex(3)}-8${hex(3)}-${hex(12)}`
  const filler = "lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor ".repeat(4096)
  const text = (bytes) => filler.slice(0, Math.max(1, bytes))
  const home = join(out, "claude")
  const projects = Math.max(4, Math.round(sessions / 25))
  const cwds = Array.from({ length: projects }, (_, i) =>
    i % 5 === 4 ? `/home/dev/src/proj${i - 1}.worktrees/feature-${i}` : `/home/dev/src/proj${i}`
  )
  let clock = Date.UTC(2026, 0, 1)
  const ids = []
  const chainTails = new Map()
  let bytesTotal = 0
  let files = 0
  for (let s = 0; s < sessions; s++) {
    const cwd = cwds[pick(cwds.length)]
    const folder = join(home, "projects", cwd.replace(/[/.]/g, "-"))
    mkdirSync(folder, { recursive: true })
    const id = uuid()
    const kindRoll = rand()
    const big = rand() < 0.01
    const target = big ? 1_000_000 + pick(19_000_000) : 10_000 + pick(190_000)
    const lines = []
    const generation = rand() < 0.3 ? "1.0.30" : "2.1.197"
    clock += 60_000 + pick(3_600_000)
    const ts = () => {
      clock += 1000 + pick(20_000)
      return new Date(clock).toISOString()
    }
    let parent = null
    const prompt = `task ${s}: ${text(20 + pick(200))}`
    // resumes and forks happen in the session's own cwd, as with the real CLI
    const local = chainTails.get(cwd) ?? []
    const resumeOf = kindRoll < 0.1 && local.length > 0 ? local[pick(local.length)] : undefined
    const forkOf = !resumeOf && kindRoll < 0.15 && local.length > 0 ? local[pick(local.length)] : undefined
    if (resumeOf) lines.push({ type: "summary", summary: "work in progress", leafUuid: resumeOf.leaf })
    else
      lines.push({ type: "queue-operation", operation: "enqueue", timestamp: ts(), sessionId: id, content: "(prompt)" })
    if (forkOf) for (const m of forkOf.messages) lines.push({ ...m, sessionId: id })
    const message = (type, content, extra = {}) => {
      const m = {
        parentUuid: parent,
        isSidechain: false,
        userType: "external",
        cwd,
        sessionId: id,
        version: generation,
        gitBranch: "main",
        type,
        message:
          type === "user"
            ? { role: "user", content }
            : { role: "assistant", content: [{ type: "text", text: content }] },
        uuid: uuid(),
        timestamp: ts(),
        ...extra
      }
      parent = m.uuid
      return m
    }
    const first = message("user", prompt)
    lines.push(first)
    let size = lines.reduce((n, l) => n + JSON.stringify(l).length + 1, 0)
    const messages = [first]
    while (size < target) {
      const tool = big && rand() < 0.5
      const m = tool
        ? message(
            "user",
            [{ type: "tool_result", tool_use_id: `toolu_${hex(12)}`, content: text(20_000 + pick(180_000)) }],
            { toolUseResult: { stdout: text(1000 + pick(5000)) } }
          )
        : message(rand() < 0.5 ? "user" : "assistant", text(200 + pick(3000)))
      messages.push(m)
      lines.push(m)
      size += JSON.stringify(m).length + 1
    }
    lines.push({ type: "last-prompt", lastPrompt: "(prompt)", leafUuid: parent, sessionId: id })
    const fd = openSync(join(folder, `${id}.jsonl`), "w")
    for (const l of lines) writeSync(fd, `${JSON.stringify(l)}\n`)
    closeSync(fd)
    bytesTotal += size
    files++
    // a subagent transcript now and then, under <folder>/<id>/subagents/
    if (rand() < 0.05) {
      mkdirSync(join(folder, id, "subagents"), { recursive: true })
      // a subagent's messages are not the session's: its last message stays the leaf
      const leaf = parent
      writeFileSync(
        join(folder, id, "subagents", `agent-${hex(8)}.jsonl`),
        `${JSON.stringify({ ...message("user", "subtask"), isSidechain: true })}\n`
      )
      parent = leaf
    }
    ids.push({ id, cwd, firstTimestamp: lines.find((l) => l.timestamp)?.timestamp, prompt })
    // a fork copies the parent's history (the last 200 messages at most, to bound the corpus)
    local.push({ leaf: parent, messages: messages.slice(-200) })
    if (local.length > 20) local.shift()
    chainTails.set(cwd, local)
  }
  const meta = {
    version: 4,
    sessions,
    seed,
    files,
    bytes: bytesTotal,
    projects,
    home,
    sample: ids.filter((_, i) => i % Math.max(1, Math.floor(sessions / 50)) === 0)
  }
  writeFileSync(marker, JSON.stringify(meta))
  return meta
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [n = "1000", out = "bench-corpus/1000", seed = "42"] = process.argv.slice(2)
  const meta = generateCorpus(Number(n), out, Number(seed))
  console.log(
    `${meta.files} transcripts, ${(meta.bytes / 2 ** 20).toFixed(0)} MiB, ${meta.projects} projects in ${out}`
  )
}

/**
 * ChannelCoder session files beside a corpus, as ChannelCoder 3 writes them: half detached runs
 * whose placeholder and prompt are a sampled transcript's (they resolve), a quarter whose prompt
 * no transcript has (they stay unresolved), a quarter holding real ids only.
 */
export const writeChannelCoderSessions = (dir, sample, count) => {
  mkdirSync(dir, { recursive: true, mode: 0o700 })
  for (let i = 0; i < count; i++) {
    const s = sample[i % sample.length]
    const at = Date.parse(s.firstTimestamp) - 500
    const kind = i % 4
    const id = kind === 3 ? s.id : `detached-${at + (kind === 2 ? i : 0)}`
    const prompt = kind === 2 ? `a prompt no transcript has ${i}` : s.prompt
    const state = {
      sessionChain: [id],
      currentSessionId: id,
      messages: [
        { role: "user", content: prompt, timestamp: new Date(at).toISOString(), sessionId: id },
        { role: "assistant", content: "done", timestamp: new Date(at + 1000).toISOString(), sessionId: id }
      ],
      metadata: { name: `cc-${i}`, created: new Date(at).toISOString(), lastActive: new Date(at + 1000).toISOString() }
    }
    writeFileSync(join(dir, `cc-${i}.json`), JSON.stringify(state, null, 2))
  }
}
