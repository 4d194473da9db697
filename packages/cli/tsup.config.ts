import { defineConfig } from "tsup"

export default defineConfig([
  {
    entry: ["src/index.ts"],
    format: ["esm", "cjs"],
    dts: true,
    clean: true,
    sourcemap: true,
    target: "node20",
    splitting: false,
    shims: true
  },
  {
    // the executables: the CLI and the detached supervisor it spawns
    entry: { cli: "src/cli.ts", supervisor: "src/supervisor.ts" },
    format: ["esm"],
    dts: false,
    clean: false,
    sourcemap: true,
    target: "node20",
    splitting: false,
    banner: { js: "#!/usr/bin/env node" }
  }
])
