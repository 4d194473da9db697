import { defineProject } from "vitest/config"

export default defineProject({
  test: {
    name: "resolver",
    include: ["test/**/*.test.ts"]
  }
})
