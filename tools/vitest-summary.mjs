#!/usr/bin/env node
// Prints the plain closing line CI reads, `N passed, N failed`, from vitest's JSON result.
// A missing or unreadable result counts as one failure: a run that produced none did not pass.
import { readFileSync } from "node:fs"

const file = process.argv[2] ?? ".ci/vitest-result.json"
let passed = 0
let failed = 1
let skipped = 0
try {
  const result = JSON.parse(readFileSync(file, "utf8"))
  passed = result.numPassedTests ?? 0
  failed =
    (result.numFailedTests ?? 0) +
    (result.numRuntimeErrorTestSuites ?? 0) +
    (result.numFailedTestSuites > 0 && result.numFailedTests === 0 ? result.numFailedTestSuites : 0)
  skipped = (result.numPendingTests ?? 0) + (result.numTodoTests ?? 0)
  if (result.success === false && failed === 0) failed = 1
} catch (error) {
  console.error(`no readable vitest result at ${file}: ${error.message}`)
}
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`)
process.exit(failed === 0 ? 0 : 1)
