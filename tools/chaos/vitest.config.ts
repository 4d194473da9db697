import { defineProject } from "vitest/config"

export default defineProject({
  test: {
    name: "chaos",
    include: ["*.test.ts"],
    testTimeout: 900_000,
    hookTimeout: 120_000,
    // the load tests measure contention between processes: one file at a time
    fileParallelism: false
  }
})
