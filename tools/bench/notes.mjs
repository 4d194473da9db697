// The "What bounds each figure" section of BENCHMARKS.md, with this run's figures in it.

export const readNotes = ({ at, ratio, fmt, largest, importCosts, bareNode }) => {
  return `## What bounds each figure

- **Cold resolve by Claude id.** The id names its file: one \`stat\` per project folder finds
  it, and only that folder is read (chains never leave their project folder).
- **Cold index build, cold resolve by token, cold list.** A token cannot take the
  single-folder shortcut (its session may sit in a worktree's or a mount's folder), so these
  three build the whole index. For each transcript the build:
  - lists and \`lstat\`s the file, synchronously;
  - opens it and reads the first 16 KiB and the last 8 KiB;
  - parses the head's lines, and scans the end as bytes (timestamps and message uuids found
    with \`Buffer.indexOf\`, no text made of it).

  The reads are asynchronous, 16 files in flight across folders. A cold disk serves parallel
  reads several times faster than the floor's one-after-another reads, which pays for the
  second read per file. What is left over the floor is CPU: the JSON and Schema decoding of
  head lines, and Node's per-call cost for \`fs\`. A pair of files sharing a root message is
  linked as original and fork without reading either. Only groups of three or more, and
  1.0.x leaves missing from every tail, read whole files.
- **The cold listing and the disk.** A listing with no index must read the head and the tail of
  every transcript (its first message, its last timestamp and uuids). That floor is read here
  between the cold listings, each time from a dropped page cache
  (${fmt(at("floor: read first 16 KB and last 8 KB of every file (cold; median of the reads between the cold listings)").ms, 0)} ms at ${largest.toLocaleString("en")} sessions,
  against ${fmt(at("floor: read first 16 KB of every file (cold)").ms, 0)} ms for heads alone at the start of the run): this machine's disk
  changes pace by up to twice over minutes, so a cold figure is best read against the floor
  taken beside it. The SDK's listSessions() reads 64 KiB from each end of every file.
- **List all vs ccusage cold: out of reach on this corpus.** ccusage cold is about ${fmt(at("peer: ccusage session --json --offline (cold)").ms / at("floor: read first 16 KB of every file (cold)").ms, 0)}×
  the head-read floor. Reading nothing but the first 16 KB of each file would therefore be
  about that much faster than ccusage, not 50×.
- **Memory of the cold list.** Node with Effect's Schema loaded starts at about 70 MB. The
  ${largest.toLocaleString("en")} listed sessions hold about ${fmt(at("list all sessions with metadata (cold, no index)").liveMB, 0)} MB of live heap. The rest of the peak is
  garbage that V8 lets its young generation and old space grow into before its first full
  collection: with the old space capped at 100 MB (\`node --max-old-space-size=100\`, a
  choice for the process, not for a library) the same list peaks at ${fmt(at("list all sessions with metadata (cold, no index), node --max-old-space-size=100").rssMB, 0)} MB in ${fmt(at("list all sessions with metadata (cold, no index), node --max-old-space-size=100").ms, 0)} ms. Nothing holds
  a file's contents: the 50 MB line figure shows it.
- **Refresh of an unchanged index.** The survey is one \`lstat\` per transcript against the
  stamps (with the index in memory: ${fmt(ratio(at("index refresh, nothing changed, index already in memory")), 2)}× the floor). From a new process, opening the index
  adds ${fmt(at("index refresh, nothing changed").loadMs, 0)} ms: reading the header and the stamps line (under 1 MB for ${largest.toLocaleString("en")} files), and their
  JSON parse and Schema decode, which includes the decoder's first use in the process. The
  folders' own lines are not read until asked for. Once the code has run a few times in a
  process, a refresh is ${fmt(ratio(at("index refresh, nothing changed (5th run in one process)")), 2)}× the floor's own 5th run: it \`lstat\`s the ${largest.toLocaleString("en")} transcripts only,
  where the floor stats every entry of every folder. What a new process adds is the load
  above and the first runs of more code than the floor's loop.
- **Warm resolves.** The resolver keeps the folded log and reads only what was appended since.
  The index is in memory, and no transcript content is read.
- **Fold of 1M events.** One map lookup per event (by session, then by fact): hashing each
  event's session id is most of what is left. Evidence objects are built only when kept (at most
  16 per fact). Idempotence holds by construction (a join-semilattice), so no set of seen event
  ids is kept. The events are folded as a store hands them over, decoded from their lines:
  events built by template literals hold rope strings that V8 flattens on every map lookup,
  which doubled this figure until 2026-11-28 without being a cost any read log has.
- **Append from 8 processes** is slower in total than from one: they wait their turn in the
  append queue (a FIFO of ticket files, served in order); each append is still one \`write\`
  plus \`fdatasync\`.
- **Whole cc-session processes.** \`--help\` loads the argument parser only (${fmt(ratio(at("process: cc-session --help")), 2)}× a bare
  start). \`show\` and \`resolve\` of one session read only that session's events, found in the
  store's session index (\`events.sessions.idx\`: one read of it, a few \`pread\`s of the log),
  and only the index folder that holds its transcripts: they cost about the same whatever the
  store holds. What is left over a bare start is loading the bundled code, Effect's runtime and
  Schema among it (importing \`@cc/events\` alone costs ${fmt((importCosts.find((c) => c.name === "events")?.ms ?? Number.NaN) - bareNode.ms, 0)} ms here).
- **\`ls --all\`, warm.** The last listing is kept beside the index (\`ls-all.v7.jsonl\`: its
  rows, their layout, a digest of the log, and what it was made from: the event log's identity
  and each project folder's fingerprint). A warm listing is: open the index (its stamps line),
  refresh it (one \`lstat\` per transcript: the stat floor itself), find the log and every
  folder unchanged, check the rows' digest, print. Over the floor that leaves loading the
  bundled code (Effect among it) and the stamps' decode; the listing itself is printed as it
  was kept.
- **\`ls --all\`, one transcript appended** (a live session). Only the rows of the folders
  that changed are made again: those folders decoded, their chains' rows made with the log's
  digest kept in the listing (its entries in key order, each found by bisecting its bytes, never
  parsed whole), and merged into the kept rows, which are copied in runs; the log is not folded.
  Which folders to make again is closed over from the kept layout's columns and the changed
  folders' ids, with no map of every row or id built. The index file is not rewritten for a
  few appended lines (the next process reads them again), nor the listing for a few folders.
  When the event log changed, the listing is made again: the whole log is folded and every
  folder decoded (the "store changed" row).
- **search.** Every transcript of every chain is read. A plain text is looked for in each read
  of complete lines at once, as one-byte text (the text as JSON escapes it): only the lines
  around a match are decoded and parsed. What is left over the read is turning each read into
  a string and the expression's scan, done one file after another, so a cold search pays the
  disk and that CPU one after the other (reading ahead while searching would overlap them: not
  done). The same search again is answered from what it found before (\`search.v1.jsonl\`): a
  transcript that did not change is not read at all, a grown one only from where the last
  search stopped; what is left is the listing and the lookups. A full-text index (FTS5, on
  Node 22 and later) would make a *new* search cheap too: not built.
- **Against the Agent SDK's listSessions().** A whole \`ls --all\` process cannot cost less than a
  bare start plus one \`lstat\` per transcript (nothing else says whether a live session grew):
  here ${fmt(bareNode.ms, 0)} + ${fmt(at("floor: stat every file (warm)").ms, 0)} ms, ${fmt(((bareNode.ms + at("floor: stat every file (warm)").ms) * 50 * 100) / at("peer: Agent SDK 0.3.332 listSessions() (warm, whole process)").ms, 0)}% of the
  ${fmt(at("peer: Agent SDK 0.3.332 listSessions() (warm, whole process)").ms / 50, 0)} ms that "50× the SDK" leaves at ${largest.toLocaleString("en")} sessions. What is over that floor (loading the
  bundled code, the stamps' decode, the fingerprints, the rows printed through a pipe) is what
  can still go; the floor cannot.
- **\`@cc/agent-sdk\`'s listSessions(), in process.** Its first call in a process opens the
  index, refreshes it (one \`lstat\` per transcript), reads the kept listing and decodes its rows
  with their Schema (about a third of the call), then makes the SDK's rows, each with the stamp
  of its files. A later call in the same process refreshes and finds the same listing, so it
  reuses the rows it has (${fmt(at("@cc/agent-sdk listSessions() (in process, warm: a later call in the same process)").ms, 0)} ms). \`getSessionInfo\` answers from those rows after one \`stat\`
  of each of the session's files, of their folders and of the event log. The SDK reads the head
  and tail of every transcript on every call, whatever changed.
- **PostgreSQL.** Each append is one transaction (with its commit's WAL flush) under one
  advisory lock, so 16 writers share the throughput of one, in order; their latency is the
  queue's. A replay pages through positions 10,000 events at a time, each page one text from
  the server (a row per event cost the reader more to parse than the event itself), the next
  page read by the server while this one is decoded. Every line is JSON-parsed and checked as a
  file store line is: that parsing and the fold, not the server, bound a replay. A new reader
  does not replay: \`foldLog\` starts from the newest fold snapshot the store keeps (a reader
  that folded 20,000 events past the last one keeps a new one), decodes it with its schema,
  checks that the log still holds the last event it covers, and folds only what came after.
  \`tail\` wakes on NOTIFY, so its latency is a round trip, not a poll interval.
- **recover with ChannelCoder files.** The 1,000 session files are listed once, each read and
  decoded once; each placeholder's run is matched against the transcripts with the same
  first-prompt hash only (a map built once), so the extra cost is the files' own reading.

ccusage reads and parses every line of every transcript to total up usage. We read heads and
ends, which is where the speed-up comes from, and why it grows with file size.
`
}
