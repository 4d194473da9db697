/** An age as a person types it (30m, 12h, 7d, 2w), in ms; undefined when it is not one. */
export const ageMs = (text: string): number | undefined => {
  const relative = /^(\d+)([mhdw])$/.exec(text)
  if (relative === null) return undefined
  const unit = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 }[relative[2] as "m" | "h" | "d" | "w"]
  return Number(relative[1]) * unit
}
