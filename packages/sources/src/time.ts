/** An ISO timestamp from a date string or epoch milliseconds; undefined when it is not a date. */
export const toIsoTimestamp = (value: string | number | undefined): string | undefined => {
  if (value === undefined) return undefined
  const date = new Date(value)
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString()
}
