// Sums every tier's results into the one closing line CI reads: "N passed, N failed".
// A suite that crashed before running its tests counts as a failure, so a broken file cannot hide.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

const dir = process.argv[2] ?? 'reports/test';
let passed = 0;
let failed = 0;
const lines = [];
for (const file of readdirSync(dir).filter((name) => name.endsWith('.json')).sort()) {
  const data = JSON.parse(readFileSync(path.join(dir, file), 'utf8'));
  if (file.endsWith('.check.json')) {
    passed += data.passed;
    failed += data.failed;
    lines.push(`${data.name}: ${data.failed ? 'FAILED' : 'ok'}`);
  } else if (file.endsWith('.jest.json')) {
    const crashed = data.numRuntimeErrorTestSuites ?? 0;
    passed += data.numPassedTests;
    failed += data.numFailedTests + crashed;
    lines.push(`${file.replace('.jest.json', '')}: ${data.numPassedTests} passed, ${data.numFailedTests} failed, ${crashed} suites crashed`);
  }
}
for (const line of lines) console.log(line);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 && passed > 0 ? 0 : 1);
