/** Terminal-safe output (properties): no raw control character from any field, one line per field or row. */

import { terminalSafe, terminalSafeLines } from "@cc/events"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { human } from "../src/context.js"
import { renderTable, uniquePrefixLength } from "../src/table.js"

// biome-ignore lint/suspicious/noControlCharactersInRegex: what must never reach a terminal raw
const RAW = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/
// biome-ignore lint/suspicious/noControlCharactersInRegex: the same, a block's newlines and tabs allowed
const RAW_BUT_LINES = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/

/** Strings heavy in what a hostile transcript holds: escapes, OSC, BEL, CR, LF, C1, bidi. */
const hostile = fc.oneof(
  fc.string({ unit: "binary" }),
  fc
    .array(
      fc.constantFrom(
        "\u001b[2J",
        "\u001b[31m",
        "\u001b]0;hijack\u0007",
        "\r",
        "\n",
        "\u009b31m",
        "\u202e",
        "\u0000",
        "\u007f",
        "/tmp/a",
        "PWNED",
        "é",
        "\\e"
      ),
      { maxLength: 12 }
    )
    .map((parts) => parts.join(""))
)

describe("terminal-safe rendering (properties)", () => {
  it("terminalSafe leaves no raw control character and is the identity on plain text", () => {
    fc.assert(
      fc.property(hostile, (text) => {
        expect(terminalSafe(text)).not.toMatch(RAW)
        expect(terminalSafeLines(text)).not.toMatch(RAW_BUT_LINES)
      }),
      { numRuns: 2000 }
    )
    fc.assert(
      fc.property(
        fc.string().filter((s) => !RAW.test(s)),
        (text) => {
          expect(terminalSafe(text)).toBe(text)
        }
      )
    )
  })

  it("escapes as a person reads them: \\e, \\n, \\x07, \\u009b", () => {
    expect(terminalSafe("/tmp/a\n\u001b[2J\u001b]0;t\u0007\r\u009b")).toBe("/tmp/a\\n\\e[2J\\e]0;t\\x07\\r\\u009b")
  })

  it("human views: one line per field, nothing raw, whatever the values", () => {
    fc.assert(
      fc.property(
        fc.dictionary(
          fc.string({ minLength: 1, maxLength: 8 }).filter((k) => !RAW.test(k)),
          fc.oneof(hostile, fc.array(hostile, { maxLength: 3 }), fc.record({ path: hostile }), fc.constant(null))
        ),
        (fields) => {
          const text = human(fields)
          expect(text).not.toMatch(RAW_BUT_LINES)
          expect(text.split("\n")).toHaveLength(Math.max(1, Object.keys(fields).length))
        }
      ),
      { numRuns: 1000 }
    )
  })

  it("tables: one line per row, nothing raw but its own colours, fitted to any width", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(hostile, hostile, fc.uuid(), hostile), { maxLength: 6 }),
        fc.option(fc.integer({ min: 20, max: 200 }), { nil: undefined }),
        (rows, width) => {
          const lines = renderTable(
            [
              { header: "ID", cells: rows.map((r) => `cc-session-${r[2]}`), id: { strip: "cc-session-" } },
              { header: "STATUS", cells: rows.map((r) => r[0]) },
              { header: "NOTE", cells: rows.map((r) => r[1]), drop: 1 },
              { header: "CWD", cells: rows.map((r) => r[3]) }
            ],
            width
          )
          expect(lines).toHaveLength(rows.length + 1)
          for (const line of lines) expect(line).not.toMatch(RAW)
        }
      ),
      { numRuns: 1000 }
    )
  })

  it("short ids stay unique prefixes", () => {
    fc.assert(
      fc.property(fc.array(fc.uuid(), { minLength: 1, maxLength: 40 }), (ids) => {
        const n = uniquePrefixLength(ids)
        const distinct = new Set(ids)
        expect(new Set(ids.map((id) => id.slice(0, n))).size).toBe(distinct.size)
        expect(n).toBeGreaterThanOrEqual(8)
      })
    )
  })
})
