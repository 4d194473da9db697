/**
 * Tables a person reads, fitted to the terminal. Ids give way first (to their shortest unique
 * prefix, at least 8 characters, which every command takes as a reference), then the columns
 * a person needs least, then the last column (a path, cut from the left: its end says most).
 * Every cell is made terminal-safe before it is measured.
 */
import { consecutivePairs, terminalSafe } from "@cc/events"

export interface Column {
  readonly header: string
  readonly cells: ReadonlyArray<string>
  /** Cells that are ids: shortened to a unique prefix when the table is too wide (with the header `short`). */
  readonly id?: { readonly strip?: string; readonly short?: string }
  /** Dropped, lowest first, when the table is still too wide (a column without one stays). */
  readonly drop?: number
  /** The column colour is given to (ANSI code by cell text), on a terminal only. */
  readonly colours?: Readonly<Record<string, string>>
}

/** The shortest prefix length (≥ min) at which every distinct value is told apart. */
export const uniquePrefixLength = (values: ReadonlyArray<string>, min = 8): number => {
  const distinct = [...new Set(values)].sort()
  let length = min
  for (const [a, b] of consecutivePairs(distinct)) {
    let common = 0
    while (common < a.length && common < b.length && a[common] === b[common]) common++
    if (common + 1 > length) length = Math.min(common + 1, Math.max(a.length, b.length))
  }
  return length
}

const shortIds = (cells: ReadonlyArray<string>, strip: string | undefined): Array<string> => {
  const bare = cells.map((c) => (strip !== undefined && c.startsWith(strip) ? c.slice(strip.length) : c))
  const ids = bare.filter((c) => c !== "-")
  const length = uniquePrefixLength(ids)
  return bare.map((c) => (c === "-" ? c : c.slice(0, length)))
}

const GAP = 2
const MIN_LAST = 12

/** The lines of the table; `width` is the terminal's (undefined: not a terminal, nothing fitted). */
export const renderTable = (
  columns: ReadonlyArray<Column>,
  width: number | undefined,
  paint = false
): Array<string> => {
  let shown: Array<Column> = columns.map((c) => ({ ...c, cells: c.cells.map(terminalSafe) }))
  const widthsOf = (cols: ReadonlyArray<Column>) =>
    cols.map((c) => Math.max(c.header.length, ...c.cells.map((cell) => cell.length)))
  const total = (cols: ReadonlyArray<Column>) => {
    const widths = widthsOf(cols)
    return widths.reduce((a, w) => a + w, 0) + GAP * (widths.length - 1)
  }
  const fixedWidth = (cols: ReadonlyArray<Column>) => total(cols.slice(0, -1)) + GAP
  if (width !== undefined && total(shown) > width) {
    shown = shown.map((c) =>
      c.id === undefined ? c : { ...c, header: c.id.short ?? c.header, cells: shortIds(c.cells, c.id.strip) }
    )
    const droppable = shown.filter((c) => c.drop !== undefined).sort((a, b) => (a.drop ?? 0) - (b.drop ?? 0))
    for (const column of droppable) {
      if (fixedWidth(shown) + MIN_LAST <= width) break
      shown = shown.filter((c) => c !== column)
    }
  }
  const widths = widthsOf(shown)
  const last = shown.length - 1
  if (width !== undefined) widths[last] = Math.max(MIN_LAST, Math.min(widths[last] ?? 0, width - fixedWidth(shown)))
  const fitCell = (text: string, i: number) => {
    const w = widths[i] ?? 0
    if (i === last) return text.length > w ? `…${text.slice(text.length - w + 1)}` : text
    return text.padEnd(w)
  }
  const lines = [
    shown
      .map((c, i) => fitCell(c.header, i))
      .join(" ".repeat(GAP))
      .trimEnd()
  ]
  const rows = shown[0]?.cells.length ?? 0
  for (let r = 0; r < rows; r++) {
    lines.push(
      shown
        .map((c, i) => {
          const cell = c.cells[r] ?? ""
          const text = fitCell(cell, i)
          const code = paint ? c.colours?.[cell] : undefined
          return code === undefined ? text : `\u001b[${code}m${text}\u001b[0m`
        })
        .join(" ".repeat(GAP))
        .trimEnd()
    )
  }
  return lines
}

/** The width to fit: the terminal's, else `COLUMNS` when set (a pipe without it is never cut). */
export const terminalWidth = (stream: NodeJS.WriteStream, env: NodeJS.ProcessEnv = process.env): number | undefined => {
  if (stream.isTTY === true && typeof stream.columns === "number" && stream.columns > 0) return stream.columns
  const given = Number(env.COLUMNS)
  return Number.isInteger(given) && given > 0 ? given : undefined
}
