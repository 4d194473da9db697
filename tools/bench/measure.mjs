import { appendFileSync, closeSync, openSync, readdirSync, readSync, rmSync, statSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { indexFileIn, TranscriptCache } from "@cc/cache"
import { decodeEventLine, fold, foldEventLog, makeEvent, openEventLog } from "@cc/events"
import { openResolver } from "@cc/resolver"
import { readTranscriptHead } from "@cc/sources"

const [task, argText = "{}"] = process.argv.slice(2)
const args = JSON.parse(argText)
const now = () => performance.now()

const transcripts = (home) => {
  const out = []
  for (const folder of readdirSync(join(home, "projects"))) {
    for (const name of readdirSync(join(home, "projects", folder)))
      if (name.endsWith(".jsonl")) out.push(join(home, "projects", folder, name))
  }
  return out
}

// loaded only by the PostgreSQL tasks: the others' memory figures do not carry pg
const pgLog = async (url, prefix) =>
  (await import("@cc/store-postgres")).openPostgresEventLog({ url, prefix, poolSize: 1 })

/** `count` synthetic events over 10,000 sessions, as a busy store holds them (from event `from`). */
const syntheticEvents = (count, from = 0) => {
  const sessions = 10_000
  const list = new Array(count)
  const base = Date.UTC(2026, 0, 1)
  for (let j = 0; j < count; j++) {
    const i = from + j
    const s = i % sessions
    const session = `cc-session-${String(s).padStart(8, "0")}-0000-4000-8000-000000000000`
    const at = new Date(base + i * 1000).toISOString()
    const id = `e${String(i).padStart(9, "0")}`
    const kind = i % 10
    list[j] =
      kind === 0
        ? { id, v: 1, at, session, type: "session.opened", payload: { cwd: `/p/${s % 100}`, mode: "detached" } }
        : kind < 4
          ? {
              id,
              v: 1,
              at,
              session,
              type: "claude.observed",
              payload: {
                claudeSessionId: `${String(s).padStart(8, "0")}-1111-4000-8000-${String(kind).padStart(12, "0")}`,
                source: "stream",
                evidence: "init",
                confidence: 1
              }
            }
          : kind < 6
            ? { id, v: 1, at, session, type: "run.started", payload: { runId: `r${kind}`, pid: 1 } }
            : kind < 8
              ? { id, v: 1, at, session, type: "run.finished", payload: { runId: `r${kind - 2}`, exitCode: 0 } }
              : {
                  id,
                  v: 1,
                  at,
                  session,
                  type: "chain.linked",
                  payload: {
                    from: `${String(s).padStart(8, "0")}-1111-4000-8000-000000000001`,
                    to: `${String(s).padStart(8, "0")}-1111-4000-8000-000000000002`,
                    kind: "resume",
                    source: "t",
                    evidence: "x"
                  }
                }
  }
  return list
}

const HEAD_BYTES = 16 * 1024

/** Reads the first 16 KiB of every transcript, one after another, and its last `tailBytes` (none: 0). */
const readEnds = (home, tailBytes) => {
  const t = now()
  const buf = Buffer.allocUnsafe(HEAD_BYTES + tailBytes)
  const files = transcripts(home)
  for (const f of files) {
    const fd = openSync(f, "r")
    const head = readSync(fd, buf, 0, HEAD_BYTES, 0)
    if (tailBytes > 0) {
      const size = statSync(f).size
      if (size > head) readSync(fd, buf, HEAD_BYTES, Math.min(tailBytes, size - head), Math.max(head, size - tailBytes))
    }
    closeSync(fd)
  }
  return { ms: now() - t, files: files.length }
}

const tasks = {
  async "floor-stat"({ home }) {
    const t = now()
    let n = 0
    for (const folder of readdirSync(join(home, "projects"))) {
      for (const name of readdirSync(join(home, "projects", folder))) {
        statSync(join(home, "projects", folder, name))
        n++
      }
    }
    return { ms: now() - t, files: n }
  },
  async "floor-head16k"({ home }) {
    return readEnds(home, 0)
  },
  // what a listing made with no index must read of each file: its head and its tail (the
  // transcript index's own sizes: 16 KiB, 8 KiB)
  async "floor-head-tail"({ home }) {
    return readEnds(home, 8 * 1024)
  },
  async "floor-full"({ home }) {
    const t = now()
    const buf = Buffer.allocUnsafe(256 * 1024)
    let bytes = 0
    for (const f of transcripts(home)) {
      const fd = openSync(f, "r")
      for (let n = readSync(fd, buf, 0, buf.length, null); n > 0; n = readSync(fd, buf, 0, buf.length, null)) bytes += n
      closeSync(fd)
    }
    return { ms: now() - t, bytes }
  },
  async "floor-stat-repeated"({ home, times = 5 }) {
    let last = { ms: Number.NaN }
    for (let i = 0; i < times; i++) last = await tasks["floor-stat"]({ home })
    return last
  },
  async "index-refresh-repeated"({ home, store, times = 5 }) {
    const cache = await TranscriptCache.open({ roots: [home], file: indexFileIn(store) })
    let ms = Number.NaN
    for (let i = 0; i < times; i++) {
      const t = now()
      await cache.refresh()
      ms = now() - t
    }
    return { ms }
  },
  async "index-build"({ home, store }) {
    rmSync(indexFileIn(store), { force: true })
    const t = now()
    const cache = await TranscriptCache.open({ roots: [home], file: indexFileIn(store) })
    const { stats } = await cache.refresh()
    return { ms: now() - t, files: stats.files }
  },
  async "index-refresh"({ home, store }) {
    const t = now()
    const cache = await TranscriptCache.open({ roots: [home], file: indexFileIn(store) })
    const loaded = now() - t
    const { stats } = await cache.refresh()
    return { ms: now() - t, loadMs: loaded, ...stats }
  },
  async "list-all"({ home, store, cold }) {
    if (cold) rmSync(indexFileIn(store), { force: true })
    const t = now()
    const cache = await TranscriptCache.open({ roots: [home], file: indexFileIn(store) })
    await cache.refresh()
    const list = cache.all().map((s) => ({
      id: s.claudeSessionId,
      cwd: s.cwd,
      first: s.firstTimestamp,
      last: s.lastTimestamp,
      version: s.claudeVersion,
      bytes: s.size
    }))
    const ms = now() - t
    // what the listing really holds, once garbage V8 had no reason to collect yet is gone
    globalThis.gc?.()
    return { ms, sessions: list.length, liveMB: process.memoryUsage().heapUsed / 2 ** 20 }
  },
  async resolve({ home, store, ref, cold, repeat = 200 }) {
    if (cold) rmSync(indexFileIn(store), { force: true })
    const t = now()
    const { resolver } = await openResolver({ storeDir: store, claudeHomes: [home], useGit: false })
    const first = await resolver.resolve(ref)
    const firstMs = now() - t
    const t2 = now()
    for (let i = 0; i < repeat; i++) await resolver.resolve(ref)
    return {
      ms: firstMs,
      warmMs: (now() - t2) / repeat,
      chain: first.claudeSessionIds.length,
      resolvedBy: first.resolvedBy
    }
  },
  async "fold-1m"({ events = 1_000_000 }) {
    // the events as a store hands them to the fold: decoded from their lines. (Built by template
    // literals they would hold rope strings, which V8 flattens on every map lookup: a cost no
    // read log has, that doubled this figure until 2026-11-28.)
    const list = []
    for (let from = 0; from < events; from += 10_000)
      for (const event of syntheticEvents(Math.min(10_000, events - from), from))
        list.push(decodeEventLine(JSON.stringify(event)).event)
    const t = now()
    const state = fold(list)
    return { ms: now() - t, events, sessions: Object.keys(state.sessions).length }
  },
  async append({ store, count = 1000, durable = true, worker = 0 }) {
    const log = await openEventLog({ dir: store, durable })
    const session = `cc-session-00000000-0000-4000-8000-${String(worker).padStart(12, "0")}`
    const t = now()
    for (let i = 0; i < count; i++) await log.append([makeEvent("session.labeled", session, { label: `l${i}` })])
    const ms = now() - t
    return { ms, count, startedAt: performance.timeOrigin + t, endedAt: performance.timeOrigin + t + ms }
  },
  // --- PostgreSQL (@cc/store-postgres) against a server bench/postgres.mjs started ---------
  async "pg-append"({ url, prefix, count, worker = 0 }) {
    const log = await pgLog(url, prefix)
    const session = `cc-session-00000000-0000-4000-8000-${String(worker).padStart(12, "0")}`
    const latencies = []
    const t = now()
    for (let i = 0; i < count; i++) {
      const s = now()
      await log.append([makeEvent("session.labeled", session, { label: `l${i}` })])
      latencies.push(now() - s)
    }
    const ms = now() - t
    await log.close()
    return { ms, count, latencies, startedAt: performance.timeOrigin + t, endedAt: performance.timeOrigin + t + ms }
  },
  async "pg-fill"({ url, prefix, events, batch = 5000, first = 0 }) {
    const log = await pgLog(url, prefix)
    const t = now()
    for (let from = first; from < first + events; from += batch)
      await log.append(syntheticEvents(Math.min(batch, first + events - from), from))
    const ms = now() - t
    await log.close()
    return { ms, events }
  },
  async "pg-read-fold"({ url, prefix }) {
    const log = await pgLog(url, prefix)
    const t = now()
    const read = await log.read()
    const readMs = now() - t
    const state = fold(read.events.map((stored) => stored.event))
    const ms = now() - t
    await log.close()
    return { ms, readMs, events: read.events.length, sessions: Object.keys(state.sessions).length }
  },
  /** A reader's fold of the whole log as a new process gets it: from the store's newest snapshot. */
  async "pg-fold-log"({ url, prefix }) {
    const log = await pgLog(url, prefix)
    const t = now()
    const folded = await foldEventLog(log)
    const ms = now() - t
    const sessions = folded.folder.records().length
    await log.close()
    return { ms, resumedFrom: folded.resumedFrom ?? null, folded: folded.folded, saved: folded.saved, sessions }
  },
  /** One session's events, by its stable id and by a Claude id it names (what `show` and `resolve` read). */
  async "pg-read-sessions"({ url, prefix, repeat = 20 }) {
    const log = await pgLog(url, prefix)
    const time = async (query) => {
      await log.readSessions(query)
      const t = now()
      let events = 0
      for (let i = 0; i < repeat; i++) events = (await log.readSessions(query)).events.length
      return { ms: (now() - t) / repeat, events }
    }
    // session 42 of the synthetic log, and the Claude id its events name
    const bySession = await time({ sessions: ["cc-session-00000042-0000-4000-8000-000000000000"] })
    const byClaudeId = await time({ mentioning: ["00000042-1111-4000-8000-000000000002"] })
    await log.close()
    return { ms: byClaudeId.ms, bySession, byClaudeId }
  },
  /** Follows the log until `count` events came; each says when it was appended (a label). */
  async "pg-tail"({ url, prefix, count }) {
    const log = await pgLog(url, prefix)
    const { nextOffset } = await log.read()
    const latencies = []
    const abort = new AbortController()
    process.stderr.write("ready\n")
    for await (const item of log.tail({ from: nextOffset, signal: abort.signal })) {
      if (item._tag !== "Event") continue
      latencies.push(performance.timeOrigin + now() - Number(item.stored.event.payload.label))
      if (latencies.length === count) break
    }
    abort.abort()
    await log.close()
    return { ms: 0, latencies }
  },
  async "pg-tail-writer"({ url, prefix, count, everyMs = 20 }) {
    const log = await pgLog(url, prefix)
    const session = "cc-session-00000000-0000-4000-8000-0000000000ff"
    for (let i = 0; i < count; i++) {
      await log.append([makeEvent("session.labeled", session, { label: String(performance.timeOrigin + now()) })])
      await new Promise((r) => setTimeout(r, everyMs))
    }
    await log.close()
    return { ms: 0, count }
  },
  async "big-line"({ dir }) {
    const path = join(dir, "big-line.jsonl")
    const chunk = "x".repeat(1024 * 1024)
    writeFileSync(
      path,
      `${JSON.stringify({ type: "queue-operation", sessionId: "69d43b1c-92a3-4aed-b9ed-9417afacb704", timestamp: "2026-11-24T10:00:00.000Z" })}\n{"type":"attachment","content":"`
    )
    for (let i = 0; i < 50; i++) appendFileSync(path, chunk)
    appendFileSync(
      path,
      `"}\n${JSON.stringify({ type: "user", sessionId: "69d43b1c-92a3-4aed-b9ed-9417afacb704", uuid: "u", cwd: "/w", version: "2.1.197", timestamp: "2026-11-24T10:00:01.000Z", message: { content: "hi" } })}\n`
    )
    const before = process.resourceUsage().maxRSS
    const t = now()
    const head = await readTranscriptHead(path, { maxBytes: 64 * 1024 * 1024 })
    return { ms: now() - t, rssBeforeMB: before / 1024, found: head.promptHash !== undefined }
  }
}

const result = await tasks[task](args)
result.rssMB = process.resourceUsage().maxRSS / 1024
process.stdout.write(JSON.stringify(result))
