#!/usr/bin/env node
// Prints the plain closing line CI reads, `N passed, N failed`, from vitest's JSON result.
// A missing or unreadable result counts as one failure: a run that produced none did not pass.
import { readFileSync } from "node:fs"
import { relative } from "node:path"

const firstLine = (text) =>
  String(text ?? "")
    .split("\n")
    .find((line) => line.trim() !== "")
    ?.slice(0, 300) ?? ""

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
  // CI shows only the tail of its output: name what failed right above the closing line.
  for (const suite of result.testResults ?? []) {
    const where = relative(process.cwd(), suite.name ?? "")
    const failures = (suite.assertionResults ?? []).filter((test) => test.status === "failed")
    if (suite.status === "failed" && failures.length === 0) console.log(`FAILED ${where}: ${firstLine(suite.message)}`)
    for (const test of failures)
      console.log(`FAILED ${where} > ${test.fullName}: ${firstLine(test.failureMessages?.[0])}`)
  }
} catch (error) {
  console.error(`no readable vitest result at ${file}: ${error.message}`)
}
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`)
process.exit(failed === 0 ? 0 : 1)
