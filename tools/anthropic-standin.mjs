// A loopback stand-in for the Anthropic Messages API, enough for the real Claude Code CLI to
// run offline (see ../../shared/notes/anthropic-standin.md for what it must answer): HEAD /,
// POST /v1/messages streaming (SSE) and non-streaming, anything else 200 {}.
// Every assistant reply reads "probe reply N", unless `toolUse(body)` names a tool to call
// instead (a request the reply would answer with that tool use: a Task, say). Binds 127.0.0.1 only.
import { mkdirSync } from "node:fs"
import { createServer } from "node:http"
import { join } from "node:path"

const sse = (res, type, data) => res.write(`event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`)

const usage = { input_tokens: 10, output_tokens: 5, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 }

/**
 * @param {{ port?: number, delayMs?: number, toolUse?: (body: any) => { name: string, input: object } | undefined }} [options]
 * @returns {Promise<{ url: string, port: number, requests: Array<{ method: string, path: string }>, close: () => Promise<void> }>}
 */
export const startStandin = async (options = {}) => {
  let replies = 0
  const requests = []
  const server = createServer((req, res) => {
    const chunks = []
    req.on("data", (chunk) => chunks.push(chunk))
    req.on("end", async () => {
      requests.push({ method: req.method ?? "", path: req.url ?? "" })
      if (req.method === "HEAD") {
        res.writeHead(200).end()
        return
      }
      if (req.method !== "POST" || !(req.url ?? "").startsWith("/v1/messages")) {
        res.writeHead(200, { "content-type": "application/json" }).end("{}")
        return
      }
      let body = {}
      try {
        body = JSON.parse(Buffer.concat(chunks).toString("utf8") || "{}")
      } catch {
        res
          .writeHead(400, { "content-type": "application/json" })
          .end('{"type":"error","error":{"type":"invalid_request_error","message":"bad json"}}')
        return
      }
      replies++
      const id = `msg_probe_${replies}`
      const model = typeof body.model === "string" ? body.model : "claude-stand-in"
      const text = `probe reply ${replies}`
      if (options.delayMs) await new Promise((r) => setTimeout(r, options.delayMs))
      const tool = options.toolUse?.(body)
      const block =
        tool === undefined
          ? { type: "text", text }
          : { type: "tool_use", id: `toolu_probe_${replies}`, name: tool.name, input: tool.input }
      const stopReason = tool === undefined ? "end_turn" : "tool_use"
      if (body.stream !== true) {
        res.writeHead(200, { "content-type": "application/json" })
        res.end(
          JSON.stringify({
            id,
            type: "message",
            role: "assistant",
            model,
            content: [block],
            stop_reason: stopReason,
            stop_sequence: null,
            usage
          })
        )
        return
      }
      res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache", connection: "keep-alive" })
      sse(res, "message_start", {
        message: {
          id,
          type: "message",
          role: "assistant",
          model,
          content: [],
          stop_reason: null,
          stop_sequence: null,
          usage
        }
      })
      if (tool === undefined) {
        sse(res, "content_block_start", { index: 0, content_block: { type: "text", text: "" } })
        sse(res, "content_block_delta", { index: 0, delta: { type: "text_delta", text } })
      } else {
        sse(res, "content_block_start", { index: 0, content_block: { ...block, input: {} } })
        sse(res, "content_block_delta", {
          index: 0,
          delta: { type: "input_json_delta", partial_json: JSON.stringify(tool.input) }
        })
      }
      sse(res, "content_block_stop", { index: 0 })
      sse(res, "message_delta", {
        delta: { stop_reason: stopReason, stop_sequence: null },
        usage: { output_tokens: 5 }
      })
      sse(res, "message_stop", {})
      res.end()
    })
  })
  await new Promise((resolve, reject) => {
    server.once("error", reject)
    server.listen(options.port ?? 0, "127.0.0.1", resolve)
  })
  const address = server.address()
  const port = typeof address === "object" && address !== null ? address.port : 0
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections?.()
        server.close(() => resolve())
      })
  }
}

/** The environment the real CLI needs to run offline against the stand-in, in a temp home. */
const claudeTmp = (home) => {
  const dir = join(home, ".tmp")
  mkdirSync(dir, { recursive: true, mode: 0o700 })
  return dir
}

export const claudeEnv = (standinUrl, home) => ({
  PATH: process.env.PATH ?? "/usr/bin:/bin",
  HOME: home,
  // Claude Code keeps temp folders of its own (2.1.x: cc-socks) and leaves them: inside the
  // temp home, they go with it
  TMPDIR: claudeTmp(home),
  CLAUDE_CONFIG_DIR: home,
  ANTHROPIC_BASE_URL: standinUrl,
  ANTHROPIC_API_KEY: "sk-ant-standin-dummy",
  CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: "1",
  DISABLE_TELEMETRY: "1",
  DISABLE_AUTOUPDATER: "1",
  DISABLE_ERROR_REPORTING: "1"
})

if (import.meta.url === `file://${process.argv[1]}`) {
  const standin = await startStandin({ port: Number(process.env.PORT ?? 0) })
  console.log(standin.url)
}
