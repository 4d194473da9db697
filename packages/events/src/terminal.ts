/**
 * The one way a string from disk, the environment or an argument reaches a person's terminal.
 * A transcript's `cwd`, a session file's name or a mistyped argument can hold escape sequences
 * that clear the screen, retitle the window or forge a table row: every control character is
 * shown escaped (`\e`, `\n`, `\x07`, `\u009b`), never written raw. `--json` output is left to
 * JSON's own escaping.
 */

const NAMED: Readonly<Record<number, string>> = {
  27: "\\e",
  10: "\\n",
  13: "\\r",
  9: "\\t",
  8: "\\b",
  12: "\\f",
  11: "\\v",
  0: "\\0"
}

const hex = (code: number, width: number) => code.toString(16).padStart(width, "0")

/**
 * C0, DEL and C1 controls, and the Unicode format characters that reorder or hide text on a
 * terminal (bidi overrides and isolates, line and paragraph separators).
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: these are the characters it escapes
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g
// biome-ignore lint/suspicious/noControlCharactersInRegex: these are the characters it escapes
const UNSAFE_BUT_LINES = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g

const escapeOne = (char: string): string => {
  const code = char.charCodeAt(0)
  const named = NAMED[code]
  if (named !== undefined) return named
  return code < 0x80 ? `\\x${hex(code, 2)}` : `\\u${hex(code, 4)}`
}

/** One value on one line: every control character escaped, newlines included. */
export const terminalSafe = (text: string): string => text.replace(UNSAFE, escapeOne)

/** A block of text (Claude's reply, say): its newlines and tabs kept, every other control escaped. */
export const terminalSafeLines = (text: string): string => text.replace(UNSAFE_BUT_LINES, escapeOne)
