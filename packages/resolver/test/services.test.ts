/**
 * The Effect API is the services and their layers: the same answers as the Promise API, the
 * typed errors in the error channel. (Both are built from the same constructors.)
 */
import { cpSync, mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve as resolvePath } from "node:path"
import { EventStore, fileStoreLayer, makeEvent, newStableId } from "@cc/events"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import { afterEach, beforeEach, describe, expect, it } from "vitest"
import { openResolver, resolve, resolverLayer } from "../src/index.js"

const fixtures = resolvePath(import.meta.dirname, "../../../fixtures/real-cli/claude-home")
const OLD = [
  "922c9f63-2669-48ce-8d24-b333a4d2f77a",
  "69d43b1c-92a3-4aed-b9ed-9417afacb704",
  "87295de4-316e-4bb6-b994-7fb59839e6f9"
]

let dir: string
let home: string
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "cc-services-"))
  home = join(dir, "claude")
  cpSync(fixtures, home, { recursive: true })
})
afterEach(() => rmSync(dir, { recursive: true, force: true }))

describe("the Effect services", () => {
  it("EventStore (file layer) and ResolverService answer as the Promise API does", async () => {
    const storeDir = join(dir, "store")
    const id = newStableId()
    const layers = Layer.mergeAll(
      fileStoreLayer({ dir: storeDir }),
      resolverLayer({ storeDir, claudeHomes: [home], persistIndex: false, useGit: false })
    )
    const program = Effect.gen(function* () {
      const store = yield* EventStore
      yield* store.append([
        makeEvent("session.opened", id, { cwd: "/srv/cc-fixtures/legacy", mode: "interactive" }),
        makeEvent("claude.observed", id, {
          claudeSessionId: OLD[0] as never,
          source: "test",
          evidence: "x",
          confidence: 1
        })
      ])
      const read = yield* store.read()
      const byStable = yield* resolve(id)
      const missing = yield* Effect.exit(resolve("99999999-9999-4999-8999-999999999999"))
      return { read, byStable, missing }
    })
    const { read, byStable, missing } = await Effect.runPromise(Effect.provide(program, layers))
    expect(read.events).toHaveLength(2)
    const viaPromise = await (
      await openResolver({ storeDir, claudeHomes: [home], persistIndex: false, useGit: false })
    ).resolver.resolve(id)
    expect(byStable.claudeSessionIds).toEqual(viaPromise.claudeSessionIds)
    expect(byStable.stableId).toBe(id)
    expect(Exit.isFailure(missing)).toBe(true)
    if (Exit.isFailure(missing)) {
      const failure = missing.cause.toString()
      expect(failure).toContain("SessionNotFound")
    }
  })
})
