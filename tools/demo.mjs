#!/usr/bin/env node
// The main job, as a demo on an embedded default: a temp store (never ~/.channelcoder) and the
// checked-in transcripts written by the real Claude Code CLI (never ~/.claude).
import { mkdtemp, rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fold, makeEvent, newStableId, openEventLog, sessionMap } from "@cc/events"

const storeDir = await mkdtemp(join(tmpdir(), "cc-sessions-demo-"))
try {
  const log = await openEventLog({ dir: storeDir })
  console.log(`store: ${log.location}`)

  // A detached run: we know our stable id at once, Claude's id only later.
  const id = newStableId()
  await log.append([makeEvent("session.opened", id, { cwd: "/srv/cc-fixtures/legacy", mode: "detached" })])
  await log.append([makeEvent("run.started", id, { runId: "run-1", pid: process.pid, mode: "detached" })])
  // 1.0.30 gave every resume a new id: the chain 922c9f63 → 69d43b1c → 87295de4 (fixtures/real-cli)
  const chain = [
    "922c9f63-2669-48ce-8d24-b333a4d2f77a",
    "69d43b1c-92a3-4aed-b9ed-9417afacb704",
    "87295de4-316e-4bb6-b994-7fb59839e6f9"
  ]
  await log.append(
    chain.map((claudeSessionId) =>
      makeEvent("claude.observed", id, {
        claudeSessionId,
        source: "demo",
        evidence: "fixtures/real-cli",
        confidence: 1
      })
    )
  )
  await log.append([
    makeEvent("chain.linked", id, {
      from: chain[0],
      to: chain[1],
      kind: "resume",
      source: "demo",
      evidence: "summary leafUuid"
    }),
    makeEvent("chain.linked", id, {
      from: chain[1],
      to: chain[2],
      kind: "resume",
      source: "demo",
      evidence: "summary leafUuid"
    }),
    makeEvent("run.finished", id, { runId: "run-1", exitCode: 0, resultSubtype: "success" })
  ])

  const { events, diagnostics } = await log.read()
  const view = sessionMap(fold(events.map((stored) => stored.event))).sessions.get(id)
  console.log(`${events.length} events, ${diagnostics.length} diagnostics`)
  console.log(
    JSON.stringify(
      {
        id: view.id,
        cwd: view.cwd,
        status: view.status,
        claudeSessionIds: view.claudeSessionIds,
        latestClaudeSessionId: view.latestClaudeSessionId
      },
      null,
      2
    )
  )
} finally {
  await rm(storeDir, { recursive: true, force: true })
}
