import { createHash } from "node:crypto"

/** SHA-256 of bytes, lowercase hex: every chunk's digest. */
export const sha256Hex = (bytes: Uint8Array): string => createHash("sha256").update(bytes).digest("hex")
