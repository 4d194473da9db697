/**
 * The Agent SDK 0.3.332's SessionStore on a vault, driven by the real SDK offline: shared by
 * the file vault's test (here) and the PostgreSQL vault's (in @cc/store-postgres).
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import {
  foldSessionSummary,
  importSessionToStore,
  listSessions,
  query,
  type SessionStore
} from "@anthropic-ai/claude-agent-sdk"
import type { VaultShape } from "@cc/vault"
import { vaultSessionStore } from "@cc/vault"
import { expect } from "vitest"
// @ts-expect-error plain JS tools
import { claudeEnv } from "../anthropic-standin.mjs"

/** Runs `f` with the SDK pointed at `home` (it reads CLAUDE_CONFIG_DIR and the rest from this process). */
const inHome = async <A>(standinUrl: string, home: string, f: () => Promise<A>): Promise<A> => {
  const before = { ...process.env }
  Object.assign(process.env, claudeEnv(standinUrl, home))
  try {
    return await f()
  } finally {
    for (const name of Object.keys(process.env)) if (!(name in before)) delete process.env[name]
    Object.assign(process.env, before)
  }
}

const run = async (
  prompt: string,
  options: Record<string, unknown>
): Promise<{ sessionId: string; isError: boolean }> => {
  let sessionId = ""
  let isError = true
  for await (const message of query({ prompt, options: { ...options, sessionStoreFlush: "eager" } })) {
    if (message.type === "system" && message.subtype === "init") sessionId = message.session_id
    if (message.type === "result") isError = message.is_error
  }
  return { sessionId, isError }
}

const transcriptsIn = (home: string): Array<string> => {
  const projects = join(home, "projects")
  try {
    return readdirSync(projects).flatMap((folder) =>
      readdirSync(join(projects, folder)).filter((name) => name.endsWith(".jsonl"))
    )
  } catch {
    return []
  }
}

/**
 * The SDK's whole SessionStore round: `query` mirrors into the vault, a resume on "another
 * host" (a fresh, empty CLAUDE_CONFIG_DIR) loads from it and goes on in the same session,
 * `importSessionToStore` copies a local session in, `listSessions({ sessionStore })` and the
 * summaries answer from the vault.
 */
export const sessionStoreRound = async (standinUrl: string, vault: VaultShape): Promise<void> => {
  const base = mkdtempSync(join(tmpdir(), "cc-sdk-store-"))
  try {
    const cwd = join(base, "proj")
    mkdirSync(cwd)
    const store = vaultSessionStore(vault, { foldSessionSummary }) as unknown as SessionStore
    const hostA = join(base, "host-a")
    const hostB = join(base, "host-b")
    const hostC = join(base, "host-c")
    for (const home of [hostA, hostB, hostC]) mkdirSync(home)

    const first = await inHome(standinUrl, hostA, () => run("remember the word teal", { cwd, sessionStore: store }))
    expect(first.isError).toBe(false)
    const projectKey = cwd.replace(/[^a-zA-Z0-9]/g, "-")
    const kept = await store.load({ projectKey, sessionId: first.sessionId })
    expect(kept?.filter((e) => e.type === "user" || e.type === "assistant").length).toBeGreaterThanOrEqual(2)

    // another host: nothing local; the SDK loads the session from the vault and resumes it
    expect(transcriptsIn(hostB)).toEqual([])
    const resumed = await inHome(standinUrl, hostB, () =>
      run("which word?", { cwd, resume: first.sessionId, sessionStore: store })
    )
    expect(resumed).toEqual({ sessionId: first.sessionId, isError: false })
    const after = await store.load({ projectKey, sessionId: first.sessionId })
    expect(after?.length).toBeGreaterThan(kept?.length ?? 0)
    // what was kept before is still there, in order, each message once
    const uuids = (after ?? []).flatMap((e) => (typeof e.uuid === "string" ? [e.uuid] : []))
    expect(new Set(uuids).size).toBe(uuids.length)
    for (const e of (kept ?? []).filter((k) => typeof k.uuid === "string"))
      expect(after?.some((a) => a.uuid === e.uuid)).toBe(true)

    // a session made without the store, copied in
    const local = await inHome(standinUrl, hostC, () => run("a local one", { cwd }))
    await inHome(standinUrl, hostC, () => importSessionToStore(local.sessionId, store, { dir: cwd }))
    expect((await store.load({ projectKey, sessionId: local.sessionId }))?.length).toBeGreaterThanOrEqual(2)

    // the SDK lists from the vault, with what it folded of each
    const listed = await inHome(standinUrl, hostB, () => listSessions({ dir: cwd, sessionStore: store }))
    expect(listed.map((s) => s.sessionId).sort()).toEqual([first.sessionId, local.sessionId].sort())
    const row = listed.find((s) => s.sessionId === first.sessionId)
    expect(row?.firstPrompt).toBe("remember the word teal")
    const summaries = await store.listSessionSummaries?.(projectKey)
    expect(summaries?.map((s) => s.sessionId).sort()).toEqual([first.sessionId, local.sessionId].sort())
  } finally {
    rmSync(base, { recursive: true, force: true })
  }
}
