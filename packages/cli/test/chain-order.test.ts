/**
 * One chain order everywhere (model-based): over generated worlds of both CLI generations
 * (1.0.x resume chains, 2.1.x resumes and forks), sessions adopted the way `recover --adopt`
 * does, adopted the way older versions did (ids only, no links, one instant), resumed through
 * cc-session (a recorded link) or in Claude alone, every reader names the same chain in the
 * same order, and the id a resume continues is the chain's latest member.
 */
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { type ClaudeSessionId, makeEvent, newStableId, type StableId } from "@cc/events"
import { chainsOf, openResolver } from "@cc/resolver"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { buildForest, type Forest, resumeChains, stepArb, writeForest } from "../../sources/test/helpers/forest.js"

/** The model: chains are components over resume links, ordered as they were made. */
const modelChains = (forest: Forest): Array<Array<string>> => {
  const made = new Map(forest.sessions.map((s, i) => [s.id, i]))
  return resumeChains(forest).map((set) => [...set].sort((x, y) => (made.get(x) ?? 0) - (made.get(y) ?? 0)))
}

type Adoption = "adopt" | "legacy" | "cc-resume" | "none"

describe("one chain order (model-based)", () => {
  it("show, resolve, ls, ls --all, chainOf and resume agree, and resume continues the latest", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(stepArb, { minLength: 1, maxLength: 12 }),
        fc.array(fc.constantFrom<Adoption>("adopt", "legacy", "cc-resume", "none"), { minLength: 12, maxLength: 12 }),
        fc.nat(),
        fc.nat(),
        async (steps, adoptions, pick, scramble) => {
          const forest = buildForest(steps, { scramble })
          const dir = mkdtempSync(join(tmpdir(), "cc-order-"))
          const home = join(dir, "claude")
          try {
            writeForest(home, forest)
            const { resolver, log, cache } = await openResolver({
              storeDir: join(dir, "store"),
              claudeHomes: [home],
              persistIndex: false,
              useGit: false
            })
            await cache.ensureFresh()
            const chains = modelChains(forest)
            const stable = new Map<number, StableId>()
            for (const [i, chain] of chains.entries()) {
              const how = adoptions[i % adoptions.length] as Adoption
              if (how === "none") continue
              const id = newStableId()
              stable.set(i, id)
              const seed = chain[pick % chain.length] as ClaudeSessionId
              await log.append([makeEvent("session.opened", id, { cwd: "/srv/proj0", mode: "interactive" })])
              if (how === "adopt") await resolver.adopt(id, seed, { resolvedBy: "recover", confidence: 1 })
              if (how === "legacy" || how === "cc-resume") {
                // ids only, in one instant (the order an id sort gives is wrong half the time)
                const at = "2026-11-30T00:00:00.000Z"
                await log.append(
                  chain.map((claudeSessionId) =>
                    makeEvent(
                      "claude.observed",
                      id,
                      {
                        claudeSessionId: claudeSessionId as ClaudeSessionId,
                        source: "stream",
                        evidence: "x",
                        confidence: 1
                      },
                      { at }
                    )
                  )
                )
                if (how === "cc-resume") {
                  // a resume made through cc-session records its link, as the launcher does
                  const links = forest.links.filter((l) => l.kind === "resume" && chain.includes(l.from))
                  await log.append(
                    links.map((l) =>
                      makeEvent(
                        "chain.linked",
                        id,
                        {
                          from: l.from as ClaudeSessionId,
                          to: l.to as ClaudeSessionId,
                          kind: "resume",
                          source: "launcher",
                          evidence: "resumed"
                        },
                        { at }
                      )
                    )
                  )
                }
              }
            }
            const listed = chainsOf(cache.all(), cache.links()).map((g) => g.map((m) => m.claudeSessionId))
            const map = await resolver.sessions()
            for (const [i, chain] of chains.entries()) {
              const latest = chain.at(-1) as string
              // ls --all
              expect(listed.find((g) => g.includes(latest as ClaudeSessionId))).toEqual(chain)
              // the chain of any member
              for (const member of chain) expect(resolver.chainOf(member as ClaudeSessionId)).toEqual(chain)
              // resolve (and so show, token, resume, fork, continue) by any member
              const byMember = await resolver.resolve(chain[pick % chain.length] as string)
              expect(byMember.claudeSessionIds).toEqual(chain)
              expect(byMember.latestClaudeSessionId).toBe(latest)
              const id = stable.get(i)
              if (id === undefined) continue
              // by stable id, settled (show), and as ls lists the store
              const byStable = await resolver.resolve(id)
              expect(byStable.claudeSessionIds).toEqual(chain)
              expect(byStable.latestClaudeSessionId).toBe(latest)
              expect((await resolver.settle(id))?.latestClaudeSessionId).toBe(latest)
              const view = map.sessions.get(id)
              expect(view === undefined ? undefined : resolver.inChainOrder(view).claudeSessionIds).toEqual(chain)
            }
          } finally {
            rmSync(dir, { recursive: true, force: true })
          }
        }
      ),
      { numRuns: 40 }
    )
  })
})
