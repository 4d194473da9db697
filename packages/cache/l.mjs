import { loadIndexFile } from "./dist/index.js"

const t = performance.now()
const r = await loadIndexFile("/tmp/st10k/index/transcripts.v3.jsonl", ["/work/main/bench-corpus/10000/claude"])
console.log(r._tag, (performance.now() - t).toFixed(1))
