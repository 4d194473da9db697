/**
 * The claim a run takes on the transcript it continues (one writer per transcript on every
 * host): taken before claude starts, renewed by the run's keeper, given up when it ends. A
 * transcript another run holds is `SessionBusy`, naming the host and the run; a fork writes a
 * transcript of its own, so it never waits (it branches from what is here).
 */
import { randomUUID } from "node:crypto"
import { HOST, runAsPromise } from "@cc/events"
import { transcriptKeyOf, type VaultShape } from "@cc/vault"
import * as Schema from "effect/Schema"
import { CLAIM_TTL_MS, type RunClaim } from "./keep.js"

/** Another run is writing the transcript: a second writer would split it. */
export class SessionBusy extends Schema.TaggedError<SessionBusy>()("SessionBusy", {
  stableId: Schema.NullOr(Schema.String),
  host: Schema.String,
  holder: Schema.String,
  until: Schema.String,
  message: Schema.String
}) {}

/**
 * Claims `latest` for a resume (or, briefly, a fork) of `reference`; undefined when the
 * transcript has no key or a fork found it held. `hint` says what to do instead (a command).
 */
export const claimRun = async (
  vault: VaultShape,
  run: {
    readonly reference: string
    readonly stableId: string | null
    readonly latest: string
    readonly purpose: "resume" | "fork"
    readonly hint: string
  }
): Promise<RunClaim | undefined> => {
  const key = transcriptKeyOf(run.latest)
  if (key === undefined) return undefined
  const claim: RunClaim = {
    sessionId: run.latest,
    holder: {
      id: randomUUID(),
      host: HOST,
      what: `a ${run.purpose} of ${run.stableId ?? run.latest} (pid ${process.pid})`
    }
  }
  const outcome = await runAsPromise(vault.claim(key, claim.holder, CLAIM_TTL_MS))
  if (outcome._tag !== "Held") return claim
  if (run.purpose === "fork") return undefined
  const until = new Date(outcome.until).toISOString()
  throw new SessionBusy({
    stableId: run.stableId,
    host: outcome.by.host,
    holder: outcome.by.what,
    until,
    message: `${run.reference} is being continued on ${outcome.by.host === HOST ? "this host" : outcome.by.host} (${outcome.by.what}, claimed until ${until}): a second writer would split its transcript. ${run.hint}`
  })
}

/** Gives a claim up (a vault that cannot be reached lets it run out). */
export const releaseClaim = async (vault: VaultShape, claim: RunClaim | undefined): Promise<void> => {
  const key = claim === undefined ? undefined : transcriptKeyOf(claim.sessionId)
  if (claim === undefined || key === undefined) return
  await runAsPromise(vault.release(key, claim.holder.id)).catch(() => undefined)
}
