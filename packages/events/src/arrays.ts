/** Small array rules used across the packages, written once. */

/** Each item with the one after it: the links of a chain given in order. */
export const consecutivePairs = <A>(items: ReadonlyArray<A>): Array<readonly [A, A]> => {
  const pairs: Array<readonly [A, A]> = []
  let previous: { readonly value: A } | undefined
  for (const item of items) {
    if (previous !== undefined) pairs.push([previous.value, item])
    previous = { value: item }
  }
  return pairs
}

/** The one item, if there is exactly one (an owner, a candidate): none for zero or several. */
export const onlyOne = <A>(items: ReadonlyArray<A>): A | undefined => (items.length === 1 ? items[0] : undefined)
