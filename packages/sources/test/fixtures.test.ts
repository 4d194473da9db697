import { readdirSync, readFileSync } from "node:fs"
import { join, resolve } from "node:path"
import { describe, expect, it } from "vitest"
import {
  collectPromise,
  type Discovery,
  detachedLogPromiseSource,
  hashPrompt,
  type LinkFound,
  parseStreamLine,
  parseTranscriptLine,
  type SessionFound,
  transcriptsPromiseSource
} from "../src/index.js"

const fixtures = resolve(import.meta.dirname, "../../../fixtures/real-cli")
const home = join(fixtures, "claude-home")
const logs = join(fixtures, "logs")

const sessions = (ds: Array<Discovery>) => ds.filter((d): d is SessionFound => d._tag === "SessionFound")
const links = (ds: Array<Discovery>) =>
  ds.filter((d): d is LinkFound => d._tag === "LinkFound").map(({ from, to, kind }) => ({ from, to, kind }))

describe("real CLI fixtures (2.1.197 and 1.0.30)", () => {
  it("every transcript line parses", () => {
    for (const folder of readdirSync(join(home, "projects"))) {
      for (const file of readdirSync(join(home, "projects", folder))) {
        const lines = readFileSync(join(home, "projects", folder, file), "utf8")
          .split("\n")
          .filter(Boolean)
        for (const line of lines) expect(parseTranscriptLine(line)._tag, `${file}: ${line.slice(0, 80)}`).toBe("Ok")
      }
    }
  })

  it("every stream log line parses (JSON lines as stream-json, the rest as text)", () => {
    for (const file of readdirSync(logs)) {
      const lines = readFileSync(join(logs, file), "utf8").split("\n").filter(Boolean)
      for (const line of lines) expect(parseStreamLine(line)._tag, `${file}: ${line.slice(0, 80)}`).not.toBe("Bad")
    }
  })

  it("finds every session with its facts and no diagnostics", async () => {
    const found = await collectPromise(transcriptsPromiseSource({ roots: [home] }))
    expect(found.filter((d) => d._tag === "SourceDiagnostic")).toEqual([])
    const byId = new Map<string, SessionFound>(sessions(found).map((s) => [s.claudeSessionId, s]))
    expect([...byId.keys()].sort()).toEqual([
      "0f0f0f0f-1111-4222-8333-444444444444",
      "2002691d-86fc-488e-ae9c-92d39a4f0e1b",
      "69d43b1c-92a3-4aed-b9ed-9417afacb704",
      "7c9426f9-27e4-445f-97e3-3fdaea2c5f7d",
      "87295de4-316e-4bb6-b994-7fb59839e6f9",
      "922c9f63-2669-48ce-8d24-b333a4d2f77a",
      "bf5d7308-0564-4ae7-a0a6-0b19ca61848a",
      "c1812308-e78e-4adc-996b-5f41f914b13c"
    ])
    expect(byId.get("c1812308-e78e-4adc-996b-5f41f914b13c")).toMatchObject({
      cwd: "/srv/cc-fixtures/app",
      claudeVersion: "2.1.197",
      promptHash: hashPrompt("new: first prompt"),
      firstTimestamp: "2026-11-24T15:25:21.518Z",
      lastTimestamp: "2026-11-24T15:25:22.856Z"
    })
    expect(byId.get("922c9f63-2669-48ce-8d24-b333a4d2f77a")).toMatchObject({
      cwd: "/srv/cc-fixtures/legacy",
      claudeVersion: "1.0.30",
      promptHash: hashPrompt("old: first prompt")
    })
    // a 1.0.x resume copies the history: the whole chain keeps the first prompt's hash
    expect(byId.get("87295de4-316e-4bb6-b994-7fb59839e6f9")?.promptHash).toBe(hashPrompt("old: first prompt"))
    expect(byId.get("2002691d-86fc-488e-ae9c-92d39a4f0e1b")?.cwd).toBe("/srv/cc-fixtures/app.worktrees/feature")
  })

  it("recovers the true chains: the 1.0.30 resume chain and the 2.1.197 fork", async () => {
    const found = await collectPromise(transcriptsPromiseSource({ roots: [home] }))
    expect(links(found).sort((a, b) => (a.from < b.from ? -1 : 1))).toEqual([
      { from: "69d43b1c-92a3-4aed-b9ed-9417afacb704", to: "87295de4-316e-4bb6-b994-7fb59839e6f9", kind: "resume" },
      { from: "922c9f63-2669-48ce-8d24-b333a4d2f77a", to: "69d43b1c-92a3-4aed-b9ed-9417afacb704", kind: "resume" },
      { from: "c1812308-e78e-4adc-996b-5f41f914b13c", to: "bf5d7308-0564-4ae7-a0a6-0b19ca61848a", kind: "fork" }
    ])
  })

  it("a query by Claude id reads only that session's project folder", async () => {
    const found = await collectPromise(transcriptsPromiseSource({ roots: [home] }), {
      claudeSessionId: "69d43b1c-92a3-4aed-b9ed-9417afacb704" as never
    })
    expect(new Set(sessions(found).map((s) => s.cwd))).toEqual(new Set(["/srv/cc-fixtures/legacy"]))
    expect(links(found)).toHaveLength(2)
  })

  it("a query by cwd also reaches worktree folders of that checkout", async () => {
    const found = await collectPromise(transcriptsPromiseSource({ roots: [home] }), { cwd: "/srv/cc-fixtures/app" })
    expect(sessions(found).map((s) => s.claudeSessionId)).toContain("2002691d-86fc-488e-ae9c-92d39a4f0e1b")
    expect(sessions(found).some((s) => s.cwd === "/srv/cc-fixtures/legacy")).toBe(false)
  })

  it("reads each detached log: ids, failures, and text output", async () => {
    const expected: Record<string, string> = {
      "new-run.log": "c1812308-e78e-4adc-996b-5f41f914b13c",
      "new-resume.log": "c1812308-e78e-4adc-996b-5f41f914b13c",
      "new-fork.log": "bf5d7308-0564-4ae7-a0a6-0b19ca61848a",
      "new-session-id.log": "0f0f0f0f-1111-4222-8333-444444444444",
      "new-continue.log": "0f0f0f0f-1111-4222-8333-444444444444",
      "new-worktree.log": "2002691d-86fc-488e-ae9c-92d39a4f0e1b",
      "old-run.log": "922c9f63-2669-48ce-8d24-b333a4d2f77a",
      "old-resume-1.log": "69d43b1c-92a3-4aed-b9ed-9417afacb704",
      "old-resume-2.log": "87295de4-316e-4bb6-b994-7fb59839e6f9"
    }
    const source = detachedLogPromiseSource()
    for (const [file, id] of Object.entries(expected)) {
      const found = await collectPromise(source, { logPath: join(logs, file) })
      expect(
        sessions(found).map((s) => s.claudeSessionId),
        file
      ).toEqual([id])
      expect(
        found.filter((d) => d._tag === "RunResultFound"),
        file
      ).toMatchObject([{ isError: false, subtype: "success", claudeSessionId: id }])
      expect(
        found.filter((d) => d._tag === "SourceDiagnostic"),
        file
      ).toEqual([])
    }
    const wrongCwd = await collectPromise(source, { logPath: join(logs, "new-resume-wrong-cwd.log") })
    expect(sessions(wrongCwd)).toEqual([])
    const [result] = wrongCwd.filter((d) => d._tag === "RunResultFound")
    expect(result).toMatchObject({ isError: true, subtype: "error_during_execution" })
    expect(result?._tag === "RunResultFound" && result.errors.join(" ")).toContain(
      "No conversation found with session ID"
    )
    const text = await collectPromise(source, { logPath: join(logs, "new-text-output.log") })
    expect(text).toMatchObject([{ _tag: "SourceDiagnostic", severity: "info" }])
  })
})
