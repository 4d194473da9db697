import type { Options } from "tsup"

/** The build every library package shares: ESM + CJS + types, for Node 20. */
export const libraryBuild = (entry: Options["entry"]): Options => ({
  entry,
  format: ["esm", "cjs"],
  dts: true,
  clean: true,
  sourcemap: true,
  target: "node20",
  splitting: false
})
