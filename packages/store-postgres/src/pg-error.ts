/** The code of a driver or server error (`42501`, `ECONNREFUSED`, …), if it has one. */
export const codeOf = (error: unknown): string | undefined =>
  typeof error === "object" && error !== null && "code" in error && typeof error.code === "string"
    ? error.code
    : undefined
