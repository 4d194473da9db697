import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { parseArgs, UsageError } from "@cc/cli"
import { decodeEventLine, isClaudeSessionId, isStableId } from "@cc/events"
import { decodeToken, InvalidReference, InvalidToken, parseReference } from "@cc/resolver"
import {
  collectPromise,
  decodeSidecar,
  isSafeName,
  parseHistoryLine,
  parseJobState,
  parseStreamLine,
  parseTranscriptLine,
  sessionIdFromFileName,
  transcriptsPromiseSource
} from "@cc/sources"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { record } from "./helpers/scale.js"

const RUNS = 10_000
const text = fc.oneof(
  fc.string({ maxLength: 300 }),
  fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b).toString("utf8")),
  fc.jsonValue().map((v) => JSON.stringify(v)),
  fc
    .record(
      {
        type: fc.string(),
        session_id: fc.string(),
        sessionId: fc.string(),
        uuid: fc.string(),
        v: fc.integer(),
        id: fc.string()
      },
      { requiredKeys: [] }
    )
    .map((v) => JSON.stringify(v))
)
const hostile = fc.constantFrom(
  "../../etc/passwd",
  "/etc/passwd",
  "a\0b",
  "..",
  ".",
  "x/../../y",
  "C:\\\\windows",
  "%2e%2e%2f",
  "cc-session-../../x",
  `${"0".repeat(8)}-0000-4000-8000-${"0".repeat(11)}/`
)

const fuzz = (name: string, f: (input: string) => void) => {
  fc.assert(
    fc.property(fc.oneof(text, hostile), (input) => {
      f(input)
    }),
    { numRuns: RUNS }
  )
  record(`fuzz-${name}`, { cases: RUNS, crashes: 0 })
}

describe("every parser, on arbitrary and hostile input: a typed error or a diagnostic, never a crash", () => {
  it("event log lines", () => fuzz("events", (s) => expect(["Event", "Invalid"]).toContain(decodeEventLine(s)._tag)))
  it("stream-json log lines", () =>
    fuzz("stream-json", (s) => expect(["Init", "Result", "Message", "Text", "Bad"]).toContain(parseStreamLine(s)._tag)))
  it("sidecars", () => fuzz("sidecar", (s) => expect(["Ok", "Invalid"]).toContain(decodeSidecar(s)._tag)))
  it("transcript lines", () => fuzz("transcripts", (s) => expect(["Ok", "Bad"]).toContain(parseTranscriptLine(s)._tag)))
  it("history lines", () => fuzz("history", (s) => expect(["Ok", "Bad"]).toContain(parseHistoryLine(s)._tag)))
  it("job states", () => fuzz("jobs", (s) => expect(["Ok", "Bad"]).toContain(parseJobState(s)._tag)))
  it("continuation tokens", () => fuzz("tokens", (s) => expect(["Ok", "Invalid"]).toContain(decodeToken(s)._tag)))
  it("session references", () =>
    fuzz("references", (s) => {
      try {
        parseReference(s)
      } catch (error) {
        expect(error instanceof InvalidReference || error instanceof InvalidToken).toBe(true)
      }
    }))
  it("CLI arguments", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc.string({ maxLength: 20 }),
            fc.constantFrom("run", "resume", "show", "--json", "--", "--store", "--detached", "--cwd", "x")
          ),
          { maxLength: 8 }
        ),
        (argv) => {
          try {
            parseArgs(argv)
          } catch (error) {
            expect(error).toBeInstanceOf(UsageError)
          }
        }
      ),
      { numRuns: RUNS }
    )
    record("fuzz-cli-args", { cases: RUNS, crashes: 0 })
  })
})

describe("hostile ids never reach a path join", () => {
  it("are refused by every id check that guards a path", () => {
    fc.assert(
      fc.property(fc.oneof(hostile, fc.string()), (s) => {
        if (s.includes("/") || s.includes("\\") || s.includes("\0") || s.includes("..")) {
          expect(isClaudeSessionId(s)).toBe(false)
          expect(isStableId(s)).toBe(false)
          expect(sessionIdFromFileName(s)).toBeUndefined()
        }
        // a name joined to a folder: no separator, no NUL, never "." or ".." ("a..b" is a fine name)
        if (s.includes("/") || s.includes("\\") || s.includes("\0") || s === ".." || s === ".")
          expect(isSafeName(s)).toBe(false)
      }),
      { numRuns: RUNS }
    )
    record("hostile-ids", { cases: RUNS, reachedAPath: 0 })
  })

  it("a hostile Claude id in a query reads nothing outside the roots", async () => {
    const root = mkdtempSync(join(tmpdir(), "cc-hostile-"))
    try {
      mkdirSync(join(root, "projects", "-w"), { recursive: true })
      const found = await collectPromise(transcriptsPromiseSource({ roots: [root] }), {
        claudeSessionId: "../../../../etc/passwd" as never
      })
      expect(found.filter((d) => d._tag === "SessionFound")).toEqual([])
    } finally {
      rmSync(root, { recursive: true, force: true })
    }
  })
})

describe("symlink loops", () => {
  it("end the walk with a diagnostic", async () => {
    const root = mkdtempSync(join(tmpdir(), "cc-loop-"))
    try {
      const projects = join(root, "projects")
      mkdirSync(join(projects, "-w"), { recursive: true })
      writeFileSync(
        join(projects, "-w", "69d43b1c-92a3-4aed-b9ed-9417afacb704.jsonl"),
        `${JSON.stringify({ type: "user", sessionId: "69d43b1c-92a3-4aed-b9ed-9417afacb704", uuid: "u", cwd: "/w", timestamp: "2026-11-24T10:00:00.000Z", message: { content: "x" } })}\n`
      )
      symlinkSync(join(projects, "self"), join(projects, "self")) // a loop on itself
      symlinkSync(projects, join(projects, "-w", "up")) // a loop back up
      const found = await collectPromise(transcriptsPromiseSource({ roots: [root] }))
      expect(found.filter((d) => d._tag === "SessionFound")).toHaveLength(1)
      expect(
        found.filter((d) => d._tag === "SourceDiagnostic").map((d) => d._tag === "SourceDiagnostic" && d.reason)
      ).toEqual([expect.stringContaining("symlink loop")])
      record("symlink-loops", { loops: 2, walksEnded: 1, diagnostics: 1 })
    } finally {
      rmSync(root, { recursive: true, force: true })
    }
  })
})
