/**
 * The one rule of what a push may be, shared by every vault: it continues the newest
 * generation exactly where it ends, or starts the next generation at 0. Pure, so each store
 * checks it inside its own lock or transaction.
 */
import { VaultConflict } from "./errors.js"
import { keyName, type TranscriptKey } from "./key.js"
import type { Push } from "./vault.js"

export type PushVerdict =
  | { readonly _tag: "Continue" }
  | { readonly _tag: "NewGeneration" }
  | { readonly _tag: "Refused"; readonly conflict: VaultConflict }

export const pushVerdict = (
  key: TranscriptKey,
  current: { readonly generation: number; readonly length: number } | undefined,
  push: Push
): PushVerdict => {
  const generation = current?.generation ?? 0
  const length = current?.length ?? 0
  const valid = Number.isSafeInteger(push.generation) && push.generation >= 0 && Number.isSafeInteger(push.offset)
  if (valid && push.bytes.length > 0) {
    if (current === undefined && push.generation === 0 && push.offset === 0) return { _tag: "Continue" }
    if (current !== undefined && push.generation === generation && push.offset === length) return { _tag: "Continue" }
    if (current !== undefined && push.generation === generation + 1 && push.offset === 0)
      return { _tag: "NewGeneration" }
  }
  return {
    _tag: "Refused",
    conflict: new VaultConflict({
      sessionId: key.sessionId,
      subpath: key.subpath,
      expectedGeneration: generation,
      expectedOffset: length,
      message:
        push.bytes.length === 0
          ? `a push to ${keyName(key)} carried no bytes`
          : `the vault's copy of ${keyName(key)} is at generation ${generation}, ${length} bytes: a push at generation ${push.generation}, offset ${push.offset} does not continue it`
    })
  }
}
