import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { type ClaudeSessionId, makeEvent, newStableId } from "@cc/events"
import { hashPrompt } from "@cc/sources"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { buildForest, type Forest, resumeChains, stepArb, writeForest } from "../../sources/test/helpers/forest.js"
import { AmbiguousSession, decodeToken, encodeToken, openResolver } from "../src/index.js"

const hexArb = fc.stringMatching(/^[0-9a-f]{64}$/)
const tokenInputArb = fc.record({
  startedAt: fc.integer({ min: 0, max: 4_102_444_800_000 }).map((ms) => new Date(ms)),
  cwd: fc.string({ minLength: 1, maxLength: 80 }),
  promptHash: hexArb,
  stableId: fc.option(
    fc.uuid({ version: 4 }).map((u) => `cc-session-${u}` as never),
    { nil: undefined }
  )
})

describe("continuation tokens (properties)", () => {
  it("round-trip", () => {
    fc.assert(
      fc.property(tokenInputArb, (input) => {
        const decoded = decodeToken(encodeToken(input))
        expect(decoded._tag).toBe("Ok")
        if (decoded._tag === "Ok") {
          expect(decoded.token.startedAt.getTime()).toBe(input.startedAt.getTime())
          expect(decoded.token.cwd).toBe(input.cwd)
          expect(decoded.token.promptHashPrefix).toBe(input.promptHash.slice(0, 32))
          expect(decoded.token.stableId).toBe(input.stableId)
        }
      }),
      { numRuns: 2000 }
    )
  })

  it("are URL-safe and carry no prompt text", () => {
    fc.assert(
      fc.property(tokenInputArb, (input) => {
        expect(encodeToken(input)).toMatch(/^cct1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/)
      })
    )
  })

  it("reject every truncation and every one-character edit", () => {
    const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_."
    fc.assert(
      fc.property(tokenInputArb, fc.nat(), fc.nat(), (input, at, pick) => {
        const token = encodeToken(input)
        expect(decodeToken(token.slice(0, at % token.length))._tag).toBe("Invalid")
        const i = at % token.length
        const replacement = alphabet[pick % alphabet.length] as string
        if (replacement === token[i]) return
        expect(decodeToken(token.slice(0, i) + replacement + token.slice(i + 1))._tag).toBe("Invalid")
      }),
      { numRuns: 10_000 }
    )
  })

  it("never throw on arbitrary input", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.string().map((s) => `cct1.${s}`),
          fc.string().map((s) => `cct1.${Buffer.from(s).toString("base64url")}.x`)
        ),
        (text) => {
          expect(["Ok", "Invalid"]).toContain(decodeToken(text)._tag)
        }
      ),
      { numRuns: 10_000 }
    )
  })
})

/** The true chains of a generated forest: components over resume links, and their forks. */
const trueChains = (forest: Forest) => {
  const chains: Array<{ ids: Set<string>; forks: Array<string> }> = []
  for (const set of resumeChains(forest)) {
    chains.push({
      ids: set,
      forks: forest.links
        .filter((l) => l.kind === "fork" && set.has(l.from))
        .map((l) => `${l.from}>${l.to}`)
        .sort()
    })
  }
  return chains
}

const respectsLinks = (order: ReadonlyArray<string>, forest: Forest) => {
  for (const l of forest.links) {
    if (l.kind !== "resume" || !order.includes(l.from) || !order.includes(l.to)) continue
    if (order.indexOf(l.from) > order.indexOf(l.to)) return false
  }
  return true
}

describe("resolution over generated worlds (properties)", () => {
  it("returns the true chain whichever sources survive, and tokens find exactly their session", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(stepArb, { minLength: 1, maxLength: 10 }), async (steps) => {
        const forest = buildForest(steps)
        const dir = mkdtempSync(join(tmpdir(), "cc-world-"))
        const home = join(dir, "claude")
        try {
          writeForest(home, forest)
          const transcriptsOnly = await openResolver({
            storeDir: join(dir, "store-a"),
            claudeHomes: [home],
            persistIndex: false,
            useGit: false,
            record: false
          })
          const withKnownRoot = await openResolver({
            storeDir: join(dir, "store-c"),
            claudeHomes: [home],
            persistIndex: false,
            useGit: false
          })
          const detachedRuns = await openResolver({
            storeDir: join(dir, "store-d"),
            claudeHomes: [home],
            persistIndex: false,
            useGit: false
          })
          const recorded: Array<{ stable: string; chain: ReadonlyArray<string> }> = []
          for (const chain of trueChains(forest)) {
            const members = [...chain.ids]
            // A: transcripts only, from any member
            const a = await transcriptsOnly.resolver.resolve(members[members.length - 1] as string)
            expect(new Set(a.claudeSessionIds)).toEqual(chain.ids)
            expect(respectsLinks(a.claudeSessionIds, forest)).toBe(true)
            expect(a.forks.map((f) => `${f.from}>${f.to}`).sort()).toEqual(chain.forks)

            // C: our store knows only the first id of the chain; transcripts know the rest
            const stable = newStableId()
            const root = a.claudeSessionIds[0] as ClaudeSessionId
            await withKnownRoot.log.append([
              makeEvent("session.opened", stable, { cwd: a.cwd ?? "/", mode: "detached" }),
              makeEvent("claude.observed", stable, {
                claudeSessionId: root,
                source: "stream",
                evidence: "init",
                confidence: 1
              })
            ])
            const c = await withKnownRoot.resolver.resolve(a.latestClaudeSessionId as string)
            expect(c.stableId).toBe(stable)
            expect(c.claudeSessionIds).toEqual(a.claudeSessionIds)

            recorded.push({ stable, chain: a.claudeSessionIds })

            // tokens: the chain's first session, from its cwd, start time and first prompt (a
            // fork's first prompt is its parent's: a token always names the session started)
            const first = forest.sessions.find((s) => s.id === root)
            const isFork = forest.links.some((l) => l.kind === "fork" && l.to === root)
            if (first !== undefined && !isFork) {
              const token = encodeToken({
                startedAt: new Date(Date.parse(first?.messages[0]?.timestamp as string) - 500),
                cwd: first?.cwd as string,
                promptHash: hashPrompt(`first prompt ${root}`)
              })
              const viaToken = await transcriptsOnly.resolver.resolve(token).catch((e: unknown) => e)
              if (viaToken instanceof AmbiguousSession)
                throw new Error("a token of a unique first prompt was ambiguous")
              expect((viaToken as typeof a).claudeSessionIds).toEqual(a.claudeSessionIds)

              // a detached run we launched, with or without a log: found by its log, or by
              // cwd, start time and prompt among the other (noise) sessions of the forest
              const detached = newStableId()
              const withLog = root.charCodeAt(7) % 2 === 0
              const logPath = join(dir, `${detached}.log`)
              if (withLog)
                writeFileSync(
                  logPath,
                  `${JSON.stringify({ type: "system", subtype: "init", session_id: root, cwd: first.cwd })}\n`
                )
              await detachedRuns.log.append([
                makeEvent(
                  "session.opened",
                  detached,
                  {
                    cwd: first.cwd,
                    mode: "detached",
                    promptHash: hashPrompt(`first prompt ${root}`),
                    ...(withLog ? { logPath } : {})
                  },
                  { at: new Date(Date.parse(first.messages[0]?.timestamp as string) - 500) }
                )
              ])
              const d = await detachedRuns.resolver.resolve(detached)
              expect(d.resolvedBy).toBe(withLog ? "detached-log" : "transcripts")
              expect(d.claudeSessionIds).toEqual(withLog ? [root] : a.claudeSessionIds)
            }
          }
          // B: once the transcripts are gone, the store alone (C recorded it) gives the same chains
          rmSync(home, { recursive: true, force: true })
          const storeOnly = await openResolver({
            storeDir: join(dir, "store-c"),
            claudeHomes: [home],
            persistIndex: false,
            useGit: false
          })
          for (const { stable, chain } of recorded) {
            const b = await storeOnly.resolver.resolve(stable)
            expect(b.claudeSessionIds).toEqual(chain)
            expect(b.resolvedBy).toBe("store")
          }
        } finally {
          rmSync(dir, { recursive: true, force: true })
        }
      }),
      { numRuns: 40 }
    )
  })
})
