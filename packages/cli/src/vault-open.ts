/** The CLI's vaults: a folder, or a PostgreSQL one (its driver loaded only then). */
import { type OpenedVault, openVaultAt as openVault, type VaultLocation } from "@cc/vault"

export const openVaultAt = (at: VaultLocation): Promise<OpenedVault> =>
  openVault(at, async (url) => (await import("@cc/store-postgres")).openVaultAtUrl(url))
