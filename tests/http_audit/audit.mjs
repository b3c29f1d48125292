// Runs the GraphQL over HTTP reference audit (graphql-http's `auditServer`)
// against a running server and reports every result.
//
//   node audit.mjs http://127.0.0.1:8000/graphql
//
// Exit status: 0 when every MUST and SHOULD audit passed, 1 when any of them
// did not (a failed MUST is reported as "error", a failed SHOULD as "warn"),
// 2 on bad usage or when the audit itself could not run (e.g. server down).
// MAY audits are printed but never fail the run: the spec leaves them optional.
import { auditServer } from 'graphql-http';

const url = process.argv[2];
if (!url) {
  console.error('usage: node audit.mjs <graphql endpoint URL>');
  process.exit(2);
}

let results;
try {
  results = await auditServer({ url });
} catch (error) {
  // auditServer only throws on fatal problems (connection refused, ...),
  // never because an audit failed.
  console.error(`audit could not run against ${url}:`, error);
  process.exit(2);
}

const level = (name) => name.split(' ', 1)[0]; // "MUST" | "SHOULD" | "MAY"
const counts = {};
const failures = [];

for (const result of results) {
  const key = `${level(result.name)} ${result.status}`;
  counts[key] = (counts[key] ?? 0) + 1;

  let line = `${result.status.padEnd(6)} ${result.id} ${result.name}`;
  if (result.status !== 'ok') {
    // The failing response has not been read yet; show it so a failure can be
    // diagnosed from the test output alone.
    let body = '';
    try {
      body = (await result.response.text()).slice(0, 500);
    } catch {
      body = '<body already consumed>';
    }
    const contentType = result.response.headers.get('content-type') ?? '-';
    line +=
      `\n       reason: ${result.reason}` +
      `\n       response: ${result.response.status} ${contentType} ${body}`;
    if (level(result.name) !== 'MAY') failures.push(result);
  }
  console.log(line);
}

console.log(
  '\nsummary: ' +
    Object.entries(counts)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([key, n]) => `${key}: ${n}`)
      .join(', '),
);

if (failures.length > 0) {
  console.log(`FAILED: ${failures.length} MUST/SHOULD audit(s) did not pass`);
  process.exit(1);
}
console.log('PASSED: every MUST and SHOULD audit passed');
