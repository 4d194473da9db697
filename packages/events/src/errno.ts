/**
 * What a thrown Node error says, read without a cast: anything can be thrown, so the code and
 * message are looked up on what was caught, never assumed.
 */

/** The `code` of a Node system error (`ENOENT`, `EEXIST`, …), if what was thrown has one. */
export const errnoCode = (error: unknown): string | undefined =>
  typeof error === "object" && error !== null && "code" in error && typeof error.code === "string"
    ? error.code
    : undefined

/** The message of what was thrown: an Error's own, else the value as text. */
export const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error))
