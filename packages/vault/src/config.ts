/**
 * Which transcripts a store keeps in its vault, and where that vault is: read the same way by
 * every launcher (the CLI, `@cc/agent-sdk`), so that both keep the same sessions in one place.
 *
 * - Policy: `"vault": "all" | "stable" | "none"` in the store's `cc-sessions.config.json`
 *   (default `stable`: every Claude session a stable session owns, whole chains, with their
 *   subagents), `CC_SESSIONS_VAULT` over it.
 * - Location: given (`--vault DIR|URL`, `CC_SESSIONS_VAULT_AT`), else the shared log's
 *   database (a team's machines resume each other's sessions), else `<store>/vault`.
 */
import { resolve } from "node:path"
import { jsonDecoder, storeConfigText, storeLayout } from "@cc/events"
import * as Schema from "effect/Schema"
import { makeFileVault } from "./file-vault.js"
import type { VaultShape } from "./vault.js"

export const VaultPolicy = Schema.Literals(["all", "stable", "none"])
export type VaultPolicy = typeof VaultPolicy.Type

const VaultConfig = Schema.Struct({ vault: Schema.optionalKey(VaultPolicy) })
const decodeVaultConfig = jsonDecoder(VaultConfig, 'not {"vault": "all" | "stable" | "none"}')
const isVaultPolicy = Schema.is(VaultPolicy)

/** The store's vault policy, and a sentence when the config or the environment says something unusable. */
export const vaultPolicyOf = (
  storeDir: string,
  env: NodeJS.ProcessEnv = process.env
): { readonly policy: VaultPolicy; readonly problem?: string } => {
  const fromEnv = env.CC_SESSIONS_VAULT
  if (fromEnv !== undefined && fromEnv !== "") {
    if (isVaultPolicy(fromEnv)) return { policy: fromEnv }
    return { policy: "stable", problem: `CC_SESSIONS_VAULT=${fromEnv} is not all, stable or none: stable is used` }
  }
  const config = storeConfigText(storeDir)
  if (config._tag === "None") return { policy: "stable" }
  if (config._tag === "Unreadable")
    return { policy: "stable", problem: `config ${config.path} could not be read: the vault keeps stable sessions` }
  const { path, text } = config
  const decoded = decodeVaultConfig(text)
  if (decoded._tag === "Bad")
    return { policy: "stable", problem: `config ${path}: "vault" is ${decoded.reason}: stable is used` }
  return { policy: decoded.value.vault ?? "stable" }
}

/** PostgreSQL's own URL schemes: a shared log or vault. */
export const isPostgresUrl = (text: string): boolean => /^postgres(ql)?:\/\//i.test(text)

/**
 * Where a vault is, as a run spec carries it to the detached supervisor: a folder (the file
 * vault) or a PostgreSQL URL (the shared vault; the spec goes through a pipe, never argv).
 */
export const VaultLocation = Schema.Struct({
  kind: Schema.Literals(["file", "postgres"]),
  location: Schema.String
})
export type VaultLocation = typeof VaultLocation.Type

/** The vault a launcher uses: `given` (a folder or a URL), else the shared log's database, else the store's own folder. */
export const vaultLocationOf = (
  storeDir: string,
  given: string | undefined,
  eventsUrl: string | undefined
): VaultLocation => {
  if (given !== undefined && given !== "")
    return isPostgresUrl(given) ? { kind: "postgres", location: given } : { kind: "file", location: resolve(given) }
  if (eventsUrl !== undefined) return { kind: "postgres", location: eventsUrl }
  return { kind: "file", location: storeLayout(storeDir).vault }
}

export interface OpenedVault {
  readonly vault: VaultShape
  readonly close: () => Promise<void>
}

/**
 * Opens a vault where it is. A PostgreSQL vault is `@cc/store-postgres`'s, which depends on
 * this package: its launcher passes the opener (loading the driver only for a shared vault).
 */
export const openVaultAt = async (
  at: VaultLocation,
  openPostgres: (url: string) => Promise<OpenedVault>
): Promise<OpenedVault> =>
  at.kind === "file" ? { vault: makeFileVault({ dir: at.location }), close: async () => {} } : openPostgres(at.location)
