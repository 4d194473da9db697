// Drives ChannelCoder (the real channelcoder@3 from npm, or @cc/channelcoder with the same API)
// in its own process, so that its default storage (~/.channelcoder) and PATH lookup of `claude`
// see the test's temp HOME and shim. Usage: driver.mjs '<json command>'; prints a JSON result.
import { resolve } from "node:path"

const command = JSON.parse(process.argv[2])
const api = command.bridge
  ? await import(resolve(import.meta.dirname, "..", "..", "dist", "index.js"))
  : await import("channelcoder")
const extra = command.bridge ? { storeDir: command.storeDir, claudeHomes: [command.claudeHome] } : undefined

const open = async () =>
  command.load
    ? command.bridge
      ? api.session.load(command.name, undefined, extra)
      : api.session.load(command.name)
    : api.session({ name: command.name, ...(extra ?? {}) })

const s = await open()
let result
switch (command.op) {
  case "detached":
    result = await s.detached(command.prompt, {
      ...(command.logFile === undefined ? {} : { logFile: command.logFile }),
      stream: true
    })
    break
  case "claude":
    result = await s.claude(command.prompt)
    break
  case "stream": {
    let text = ""
    for await (const chunk of s.stream(command.prompt)) text += chunk.content ?? ""
    result = { success: true, text }
    break
  }
}
process.stdout.write(`${JSON.stringify({ result, id: s.id(), messages: s.messages().length })}\n`)
