import { defineProject } from "vitest/config"

export default defineProject({
  test: {
    name: "agent-sdk",
    include: ["test/**/*.test.ts"],
    // a real PostgreSQL for the two-host test (a shared event log and vault), as @cc/store-postgres starts it
    globalSetup: ["../store-postgres/test/global-setup.ts"],
    testTimeout: 120_000,
    hookTimeout: 120_000
  }
})
