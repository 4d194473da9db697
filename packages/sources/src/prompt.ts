import { createHash } from "node:crypto"

/**
 * The hash that stands for a prompt everywhere (events, tokens, matching): SHA-256 hex of the
 * NFC-normalised, trimmed text. Prompt text itself is never stored.
 */
export const hashPrompt = (prompt: string): string =>
  createHash("sha256").update(prompt.normalize("NFC").trim(), "utf8").digest("hex")
