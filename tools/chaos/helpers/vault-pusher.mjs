// A run keeping its transcript in a vault until killed: appends a line to the file, mirrors it,
// and prints the copy's length once the mirror returned (acknowledged). The vault is a folder
// or a postgres:// URL; the file grows the same way every run (line n holds n).
import { appendFileSync } from "node:fs"
import { runAsPromise } from "@cc/events"
import { makeFileVault, mirrorTranscript, transcriptKeyOf } from "@cc/vault"

const [where, file, sessionId] = process.argv.slice(2)
const vault = where.startsWith("postgres://")
  ? await runAsPromise((await import("@cc/store-postgres")).makePostgresVault({ url: where, attempts: 60 }))
  : makeFileVault({ dir: where })
const key = transcriptKeyOf(sessionId)
const meta = { projectKey: "-chaos", cwd: "/chaos", host: "chaos" }
for (let n = 0; n < 1_000_000; n++) {
  // some turns are long: a push of several chunks
  appendFileSync(
    file,
    `${JSON.stringify({ type: "assistant", n, text: "x".repeat(n % 7 === 0 ? 300_000 : n % 500) })}\n`
  )
  try {
    const outcome = await runAsPromise(mirrorTranscript(vault, { key, meta, path: file }))
    if (outcome._tag === "Pushed" || outcome._tag === "Unchanged")
      process.stdout.write(`${outcome.copy?.length ?? 0}\n`)
  } catch (error) {
    process.stderr.write(`${error.message}\n`)
  }
}
