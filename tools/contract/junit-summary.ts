/** Which test cases of a JUnit XML report passed and which failed (a `<failure>` or an `<error>` inside). */
export interface JunitSummary {
  passed: string[];
  failed: string[];
}

const TESTCASE = /<testcase\b([^>]*?)(\/>|>([\s\S]*?)<\/testcase>)/g;
const NAME = /\bname="([^"]*)"/;

export function summarizeJunit(xml: string): JunitSummary {
  const summary: JunitSummary = { passed: [], failed: [] };
  for (const match of xml.matchAll(TESTCASE)) {
    const name = unescapeXml(NAME.exec(match[1] ?? '')?.[1] ?? '(unnamed)');
    const body = match[3] ?? '';
    // A skipped case (an operation Schemathesis could not test) is neither: it proves nothing.
    if (/<skipped\b/.test(body)) continue;
    (/<(failure|error)\b/.test(body) ? summary.failed : summary.passed).push(name);
  }
  return summary;
}

function unescapeXml(text: string): string {
  return text.replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}
