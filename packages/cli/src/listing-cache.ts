/**
 * The last `ls --all` listing, kept beside the transcript index: a warm `ls --all` whose
 * transcripts (the index after its refresh) and event log have not changed since is that
 * listing again, without folding the log or decoding the index's folders.
 *
 * One file, `<store>/index/ls-all.v3.jsonl`, written atomically (0600): a header line (what the
 * listing was made from, and the SHA-256 of the rows line), then the rows as `--json` prints
 * them. The header is Schema-decoded; the rows line is used only when its digest is the one
 * the header names (bytes this code wrote from typed rows); anything else is listed afresh.
 */
import { createHash } from "node:crypto"
import { readFileSync, rmSync, statSync } from "node:fs"
import { HOST, jsonDecoder, storeLayout, writeFileAtomicSync } from "@cc/events"
import * as Schema from "effect/Schema"

const VERSION = 3

const Header = Schema.Struct({
  version: Schema.Literal(VERSION),
  /** What the listing was made from: equal keys, equal listings. */
  key: Schema.String,
  digest: Schema.String,
  /** Rows of archived sessions, which `ls --all` hides unless asked: none, and the rows print as they are. */
  archivedRows: Schema.Int,
  /** Event log lines the listing skipped, said again to whoever reads the listing. */
  skipped: Schema.Array(Schema.Struct({ offset: Schema.Number, reason: Schema.String }))
})
type Header = typeof Header.Type
const decodeHeader = jsonDecoder(Header, "not a listing header")

export const listingCacheFile = (storeDir: string): string =>
  storeLayout(storeDir).indexFile(`ls-all.v${VERSION}.jsonl`)

const identity = (path: string): string => {
  try {
    const s = statSync(path)
    return `${s.ino}:${s.size}:${s.mtimeMs}`
  } catch {
    return "none"
  }
}

/**
 * What a listing depends on: this host, the Claude homes, the transcript index file as its
 * refresh left it (rewritten, so another identity, whenever anything in it changed), and the
 * event log (append-only: its size and inode say whether anything was added).
 */
export const listingKey = (storeDir: string, indexFile: string, claudeHomes: ReadonlyArray<string>): string =>
  JSON.stringify([HOST, claudeHomes, identity(indexFile), identity(storeLayout(storeDir).events)])

const digestOf = (bytes: Uint8Array | string): string => createHash("sha256").update(bytes).digest("hex")

/**
 * The rows line of the listing made under `key` (bytes, as they will be printed), if there is
 * one and it is intact.
 */
export const readListing = (
  file: string,
  key: string
): { readonly rows: Buffer; readonly skipped: Header["skipped"]; readonly archivedRows: number } | undefined => {
  let bytes: Buffer
  try {
    bytes = readFileSync(file)
  } catch {
    return undefined
  }
  const newline = bytes.indexOf(0x0a)
  if (newline === -1 || bytes.at(-1) !== 0x0a) return undefined
  const header = decodeHeader(bytes.subarray(0, newline).toString("utf8"))
  if (header._tag === "Bad" || header.value.key !== key) return undefined
  const rows = bytes.subarray(newline + 1, bytes.length - 1)
  return digestOf(rows) === header.value.digest
    ? { rows, skipped: header.value.skipped, archivedRows: header.value.archivedRows }
    : undefined
}

/** Saves a listing; one that cannot be saved (a read-only store) is simply made again next time. */
export const saveListing = async (
  file: string,
  key: string,
  rows: Buffer,
  skipped: ReadonlyArray<{ readonly offset: number; readonly reason: string }>,
  archivedRows: number
): Promise<void> => {
  const header: Header = {
    version: VERSION,
    key,
    digest: digestOf(rows),
    archivedRows,
    skipped: skipped.map(({ offset, reason }) => ({ offset, reason }))
  }
  const content = Buffer.concat([Buffer.from(`${JSON.stringify(header)}\n`), rows, Buffer.from("\n")])
  try {
    writeFileAtomicSync(file, content)
    // the listings of older versions are never read again
    for (let old = 1; old < VERSION; old++) rmSync(file.replace(`.v${VERSION}.`, `.v${old}.`), { force: true })
  } catch {
    // not kept: listed afresh next time
  }
}
