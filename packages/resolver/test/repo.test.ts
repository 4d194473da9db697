import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { applyMappings, cwdRelation, repoKey } from "../src/index.js"

describe("same repository", () => {
  it("recognises worktree layouts of a checkout, even once the worktree is gone", () => {
    for (const wt of [
      "/srv/app.worktrees/feat",
      "/srv/app--claude-worktrees-feat",
      "/srv/app/.claude/worktrees/feat",
      "/srv/app/.worktrees/feat"
    ]) {
      expect(cwdRelation("/srv/app", wt, { useGit: false })).toBe("repository")
    }
    expect(cwdRelation("/srv/app", "/srv/app", { useGit: false })).toBe("exact")
    expect(cwdRelation("/srv/app", "/srv/other", { useGit: false })).toBe("none")
    expect(cwdRelation("/srv/app", "/srv/application.worktrees/x", { useGit: false })).toBe("none")
  })

  it("maps container paths onto this machine's", () => {
    const mappings = [{ from: "/workspace", to: "/home/me/proj" }]
    expect(applyMappings("/workspace/sub", mappings)).toBe("/home/me/proj/sub")
    expect(applyMappings("/workspaces", mappings)).toBe("/workspaces")
    expect(cwdRelation("/home/me/proj", "/workspace", { mappings, useGit: false })).toBe("exact")
  })

  it("is a key every path maps to, and a checkout maps to itself", () => {
    fc.assert(
      fc.property(fc.stringMatching(/^\/[a-z]{1,8}(\/[a-z]{1,8}){0,3}$/), (path) => {
        expect(repoKey(path, { useGit: false })).toBe(path)
        expect(repoKey(`${path}.worktrees/x`, { useGit: false })).toBe(path)
      })
    )
  })
})
