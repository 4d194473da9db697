/**
 * End to end: watching a session live, and runs whose processes are killed.
 */
import { readdirSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { claudeEnv, cliPath, runProcess, type Show, startStandin, useStandin, world } from "./helpers/e2e-world.js"

useStandin()

describe("watching and killing", () => {
  it("watch prints a detached session's events live until its run finishes", async () => {
    const w = world("2.1")
    const proj = w.dir("proj")
    const { id } = await w.json<{ id: string }>(["run", "--detached", "--", "watched"], proj)
    const r = await w.cli(["watch", id])
    expect(r.code).toBe(0)
    const types = r.stdout
      .trim()
      .split("\n")
      .map((line) => (JSON.parse(line) as { type: string }).type)
    expect(types[0]).toBe("session.opened")
    expect(types).toContain("claude.observed")
    expect(types.at(-1)).toBe("run.finished")
  })

  it("a supervisor killed with SIGKILL loses nothing observed, and the session is still found", async () => {
    const w = world("1.0")
    const proj = w.dir("legacy")
    const { id, pid } = await w.json<{ id: string; pid: number }>(
      ["run", "--detached", "--", "killed supervisor"],
      proj
    )
    // kill it once it has started claude (run.started is in the log), before claude is done
    for (let i = 0; i < 100; i++) {
      const events = (await w.cli(["events"])).stdout
      if (events.includes('"run.started"')) break
      await new Promise((r) => setTimeout(r, 20))
    }
    process.kill(pid, "SIGKILL")
    let shown: Show | undefined
    for (let i = 0; i < 100 && (shown === undefined || shown.claudeSessionIds.length === 0); i++) {
      await new Promise((r) => setTimeout(r, 100))
      const r = await w.cli(["--json", "show", id])
      if (r.code === 0) shown = JSON.parse(r.stdout) as Show
    }
    expect(shown?.claudeSessionIds).toHaveLength(1)
    const events = (await w.cli(["events"])).stdout
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as { type: string; session: string })
    expect(
      events
        .filter((e) => e.session === id)
        .map((e) => e.type)
        .slice(0, 2)
    ).toEqual(["session.opened", "run.started"])
  })

  it("after a supervisor's death the status comes from the log's result, and watch ends on it", async () => {
    const w = world("2.1")
    const proj = w.dir("proj")
    const { id, pid } = await w.json<{ id: string; pid: number }>(["run", "--detached", "--", "orphaned run"], proj)
    for (let i = 0; i < 100; i++) {
      if ((await w.cli(["events"])).stdout.includes('"run.started"')) break
      await new Promise((r) => setTimeout(r, 20))
    }
    process.kill(pid, "SIGKILL")
    // claude outlives its supervisor and writes its result line; nobody writes run.finished
    const watched = await w.cli(["watch", id])
    expect(watched.code).toBe(0)
    expect(watched.stdout.trim().split("\n").at(-1)).toContain('"run.finished"')
    const shown = await w.json<Show>(["show", id])
    expect(shown.status).toBe("finished")
    expect((await w.json<{ status: string }>(["resolve", id])).status).toBe("finished")
  })

  it("a run whose claude is killed too, before any result, is lost, with the reason", async () => {
    const w = world("2.1")
    const proj = w.dir("proj")
    const slow = await startStandin({ delayMs: 4000 })
    try {
      const env = claudeEnv(slow.url, w.home)
      const cli = (args: Array<string>) =>
        runProcess(process.execPath, [cliPath, "--store", w.store, "--claude-bin", w.bin, "--json", ...args], {
          cwd: proj,
          env
        })
      const { id, pid } = JSON.parse((await cli(["run", "--detached", "--", "never answered"])).stdout) as {
        id: string
        pid: number
      }
      let claudePid: number | undefined
      for (let i = 0; i < 200 && claudePid === undefined; i++) {
        const started = (await cli(["events"])).stdout.split("\n").find((l: string) => l.includes('"run.started"'))
        claudePid =
          started === undefined ? undefined : (JSON.parse(started) as { payload: { pid: number } }).payload.pid
        if (claudePid === undefined) await new Promise((r) => setTimeout(r, 20))
      }
      process.kill(pid, "SIGKILL")
      process.kill(claudePid as number, "SIGKILL")
      await new Promise((r) => setTimeout(r, 200))
      const shown = JSON.parse((await cli(["show", id])).stdout) as Show
      expect(shown.status).toBe("lost")
      const finished = (await cli(["events"])).stdout.split("\n").find((l: string) => l.includes('"run.finished"'))
      expect(JSON.parse(finished as string).payload.lost).toMatch(/are gone, and its log .* has no result line/)
    } finally {
      await slow.close()
    }
  })

  it("no prompt text in any command line: the spec reaches the supervisor on a pipe, the prompt reaches claude on stdin", async () => {
    for (const generation of ["2.1", "1.0"] as const) {
      const w = world(generation)
      const proj = w.dir("proj")
      const slow = await startStandin({ delayMs: 1500 })
      try {
        const prompt = `secret-prompt-${generation}-${Date.now()}`
        const r = await runProcess(
          process.execPath,
          [cliPath, "--store", w.store, "--claude-bin", w.bin, "--json", "run", "--detached", "--", prompt],
          { cwd: proj, env: claudeEnv(slow.url, w.home) }
        )
        const { id } = JSON.parse(r.stdout) as { id: string }
        // while the run waits for its answer, read every process's command line
        let seen = 0
        for (let i = 0; i < 10; i++) {
          for (const entry of readdirSync("/proc")) {
            if (!/^\d+$/.test(entry)) continue
            let cmdline = ""
            try {
              cmdline = readFileSync(join("/proc", entry, "cmdline"), "utf8")
            } catch {
              continue
            }
            if (cmdline.includes("supervisor.js") || cmdline.includes(w.bin)) seen++
            expect(cmdline).not.toContain(prompt)
          }
          await new Promise((res) => setTimeout(res, 100))
        }
        expect(seen).toBeGreaterThan(0)
        const done = await runProcess(process.execPath, [cliPath, "--store", w.store, "--json", "watch", id], {
          cwd: proj,
          env: claudeEnv(slow.url, w.home)
        })
        expect(done.code).toBe(0)
        // and claude got it: its transcript starts with the prompt
        const shown = JSON.parse(
          (
            await runProcess(process.execPath, [cliPath, "--store", w.store, "--json", "show", id], {
              cwd: proj,
              env: claudeEnv(slow.url, w.home)
            })
          ).stdout
        ) as Show
        expect(shown.status).toBe("finished")
        expect(readFileSync(shown.transcripts[0] as string, "utf8")).toContain(prompt)
      } finally {
        await slow.close()
      }
    }
  })
})
