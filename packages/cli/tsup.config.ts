import { defineConfig } from "tsup"
import { libraryBuild } from "../../tsup.shared"

export default defineConfig([
  // tsup's shims give the CJS build an import.meta.url (the launcher finds supervisor.js by it)
  { ...libraryBuild(["src/index.ts"]), shims: true },
  {
    // the executables: the CLI and the detached supervisor it spawns
    entry: { cli: "src/cli.ts", supervisor: "src/supervisor.ts", "supervisor-main": "src/supervisor-main.ts" },
    format: ["esm"],
    dts: false,
    clean: false,
    sourcemap: true,
    target: "node20",
    splitting: false,
    banner: { js: "#!/usr/bin/env node" }
  }
])
