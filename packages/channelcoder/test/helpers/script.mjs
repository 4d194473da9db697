// Runs a short script of ChannelCoder session calls in one process, with the real
// channelcoder@3 from npm or @cc/channelcoder (same API): its default storage and PATH lookup
// of `claude` see the test's temp HOME and shim. Usage: script.mjs '<json>'; prints a JSON line.
// { bridge, storeDir, claudeHome, resumeWaitMs?, open: {name?, load?, autoSave?, cwd?}, ops: [{op, prompt?, options?}] }
import { resolve } from "node:path"

const input = JSON.parse(process.argv[2])
const api = input.bridge
  ? await import(resolve(import.meta.dirname, "..", "..", "dist", "index.js"))
  : await import("channelcoder")
const extra = input.bridge
  ? {
      storeDir: input.storeDir,
      claudeHomes: [input.claudeHome],
      ...(input.resumeWaitMs === undefined ? {} : { resumeWaitMs: input.resumeWaitMs })
    }
  : {}
const open = input.open ?? {}
let s
try {
  s = open.load
    ? input.bridge
      ? await api.session.load(open.name, undefined, extra)
      : await api.session.load(open.name)
    : api.session({
        ...(open.name === undefined ? {} : { name: open.name }),
        ...(open.autoSave === undefined ? {} : { autoSave: open.autoSave }),
        ...(open.cwd === undefined ? {} : { cwd: open.cwd }),
        ...extra
      })
} catch (error) {
  process.stdout.write(
    `${JSON.stringify({ thrown: { name: error?.name, tag: error?._tag, message: String(error?.message) } })}\n`
  )
  process.exit(0)
}
const results = []
for (const step of input.ops ?? []) {
  switch (step.op) {
    case "detached":
      results.push(await s.detached(step.prompt, step.options ?? {}))
      break
    case "claude":
      results.push(await s.claude(step.prompt, step.options ?? {}))
      break
    case "stream": {
      let text = ""
      let errors = 0
      for await (const chunk of s.stream(step.prompt, step.options ?? {})) {
        text += chunk.content ?? ""
        if (chunk.type === "error") errors++
      }
      results.push({ success: errors === 0, text })
      break
    }
    case "clear":
      s.clear()
      results.push({ success: true })
      break
    case "wait":
      await new Promise((r) => setTimeout(r, step.ms ?? 500))
      results.push({ success: true })
      break
  }
}
process.stdout.write(`${JSON.stringify({ results, id: s.id(), messages: s.messages() })}\n`)
