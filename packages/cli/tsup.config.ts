import { defineConfig } from "tsup"
import { libraryBuild } from "../../tsup.shared"

export default defineConfig([
  // tsup's shims give the CJS build an import.meta.url (the launcher finds supervisor.js by it)
  { ...libraryBuild(["src/index.ts"]), shims: true },
  {
    // the executables, self-contained: the CLI (each command a chunk of its own, loaded when
    // asked for) and the detached supervisor it spawns. Bundled, tree-shaken and minified,
    // because every command pays Node's module loading: `--help` loads the argument parser only.
    entry: { cli: "src/cli.ts", supervisor: "src/supervisor.ts", "supervisor-main": "src/supervisor-main.ts" },
    format: ["esm"],
    platform: "node",
    dts: false,
    clean: false,
    // minified executables: a source map of the bundled dependencies would be most of the tarball
    sourcemap: false,
    target: "node20",
    splitting: true,
    minify: true,
    noExternal: [/.*/],
    // pg's optional native binding: never installed, never loaded
    external: ["pg-native"],
    // CommonJS dependencies bundled into ESM (pg) call require() for Node's modules
    banner: {
      js: '#!/usr/bin/env node\nimport { createRequire as __ccCreateRequire } from "node:module"; const require = __ccCreateRequire(import.meta.url);'
    }
  }
])
