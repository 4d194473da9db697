import { describe, expect, it } from "vitest"
import { startStandin } from "../anthropic-standin.mjs"

describe("Messages API stand-in", () => {
  it("answers HEAD, streams an SSE reply in the documented order, and answers other paths with {}", async () => {
    const standin = await startStandin()
    try {
      expect((await fetch(`${standin.url}/`, { method: "HEAD" })).status).toBe(200)
      const res = await fetch(`${standin.url}/v1/messages?beta=true`, {
        method: "POST",
        body: JSON.stringify({ model: "m", stream: true, messages: [] })
      })
      expect(res.headers.get("content-type")).toBe("text/event-stream")
      const events = (await res.text())
        .split("\n\n")
        .filter(Boolean)
        .map((block) => block.split("\n")[0]?.replace("event: ", ""))
      expect(events).toEqual([
        "message_start",
        "content_block_start",
        "content_block_delta",
        "content_block_stop",
        "message_delta",
        "message_stop"
      ])
      const plain = await fetch(`${standin.url}/v1/messages`, { method: "POST", body: JSON.stringify({ model: "m" }) })
      expect(await plain.json()).toMatchObject({
        type: "message",
        stop_reason: "end_turn",
        content: [{ type: "text" }]
      })
      expect(await (await fetch(`${standin.url}/api/other`)).json()).toEqual({})
    } finally {
      await standin.close()
    }
  })
})
