import { defineConfig } from "vitest/config"

export default defineConfig({
  test: {
    projects: ["packages/*", "tools", "tools/chaos"],
    globalSetup: ["tools/test/temp-guard.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000
  }
})
