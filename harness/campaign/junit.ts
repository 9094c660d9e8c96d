// The campaign as JUnit XML, the format Jenkins, GitLab and GitHub test reporters already display: one
// <testsuite> per scenario, one <testcase> per run (classname scenario.target, so reporters nest
// runs under their scenario and target). A run that came out as expected passes; an ordinary run with
// a violation, or a must-fail run that caught nothing, is a <failure> whose message is the verdict
// line; an unknown verdict or a harness error is an <error>; a run never started or cut short is
// <skipped>. A run whose every violation matches a known upstream issue of its scenario is <skipped>
// with the issue in its message — reporters show it as neither passed nor failed, so a nightly stays
// green on a tracked bug of the system under test while the bug stays in sight — and a <failure>
// with the same message under --strict. Each case's <system-out> holds the report's location and the replay commands. Only
// elements and attributes of the common JUnit schema are used, and every text passes through
// xmlSafe: characters XML 1.0 cannot carry at all (ANSI escapes from a log, NULs, lone surrogates)
// are replaced, the rest is escaped by the builder.
import path from 'node:path';
import { XMLBuilder } from 'fast-xml-parser';
import type { Campaign, CampaignRun } from './types.ts';

/** Replaces what XML 1.0 forbids outright: C0 controls other than tab/LF/CR, lone surrogates, U+FFFE/U+FFFF. */
export function xmlSafe(text: string): string {
  return text.replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');
}

/** An attribute value on one line (XML parsers turn raw newlines in attributes into spaces anyway). */
const attr = (text: string) => xmlSafe(text.replace(/\s+/g, ' ').trim());

const seconds = (ms: number | undefined) => ((ms ?? 0) / 1000).toFixed(3);

/** xs:dateTime without a zone, as the JUnit schema's timestamp wants it. */
const timestamp = (iso: string) => iso.replace(/\.\d+Z$|Z$/, '');

export interface JunitOptions {
  /** Runs that found only known upstream issues are <failure>s, not <skipped> (default: the
   *  campaign's --strict). */
  strict?: boolean;
  /** The campaign folder (report links are absolute paths into it)... */
  campaignDir: string;
  /** ...unless a URL base is given (e.g. the CI job's artifact URL): then links are base + path. */
  reportBaseUrl?: string;
}

function reportLink(run: CampaignRun, o: JunitOptions): string | null {
  if (!run.report) return null;
  if (o.reportBaseUrl) return `${o.reportBaseUrl.replace(/\/?$/, '/')}${run.report.split('/').map(encodeURIComponent).join('/')}`;
  return path.join(o.campaignDir, run.report);
}

const expectation = (run: CampaignRun) => (run.expect === 'violation' ? 'must find a violation' : run.expect === 'any' ? 'a bug is switched on; a violation is reported, not required' : 'must hold');

function caseOutput(run: CampaignRun, o: JunitOptions): string {
  const link = reportLink(run, o);
  return [
    `${run.scenario} on ${run.target}, seed ${run.seed} (${expectation(run)})`,
    run.verdictLine ?? `not run (${run.state})`,
    ...(run.failing ?? []).map((f) => `  FAIL ${f.checker}: ${f.example}`),
    link && `report: ${link}`,
    run.replay && `replay: ${run.replay}`,
    run.shrink && `shrunk (${run.shrink.change}): ${run.shrink.replay}`,
  ].filter(Boolean).join('\n');
}

function testcase(run: CampaignRun, o: JunitOptions): Record<string, unknown> {
  const tc: Record<string, unknown> = {
    '@_name': attr(`${run.scenario} on ${run.target} seed ${run.seed}`),
    '@_classname': attr(`${run.scenario}.${run.target.replace(/\./g, '_')}`),
    '@_time': seconds(run.wallMs),
  };
  const body = xmlSafe(caseOutput(run, o));
  const type = (run.failing ?? []).map((f) => f.checker).join(',') || run.verdict || 'none';
  if (run.outcome === 'known') {
    const issues = (run.knownIssues ?? []).map((k) => `${k.id} (${k.url})`).join(', ');
    const message = `violation matching known upstream issue ${issues}: ${run.verdictLine ?? ''}`;
    if (o.strict) tc.failure = { '@_message': attr(message), '@_type': attr(type), '#text': body };
    else tc.skipped = { '@_message': attr(message) };
  } else if (run.outcome === 'fail') {
    const message = run.expect === 'violation' ? `expected a violation, got ${run.verdictLine}` : run.verdictLine ?? '';
    tc.failure = { '@_message': attr(message), '@_type': attr(type), '#text': body };
  } else if (run.outcome === 'error') {
    tc.error = { '@_message': attr(run.verdictLine ?? 'no verdict'), '@_type': attr(run.verdict ?? 'error'), '#text': body };
  } else if (run.outcome === 'skipped' || !run.outcome) {
    tc.skipped = { '@_message': attr(run.state === 'interrupted' ? 'interrupted before it finished' : 'not started: the campaign budget was spent or it was interrupted') };
  }
  tc['system-out'] = body;
  return tc;
}

function testsuite(name: string, runs: CampaignRun[], c: Campaign, o: JunitOptions): Record<string, unknown> {
  const n = (pred: (r: CampaignRun) => boolean) => String(runs.filter(pred).length);
  return {
    '@_name': attr(name),
    '@_tests': String(runs.length),
    '@_failures': n((r) => r.outcome === 'fail' || (r.outcome === 'known' && Boolean(o.strict))),
    '@_errors': n((r) => r.outcome === 'error'),
    '@_skipped': n((r) => r.outcome === 'skipped' || !r.outcome || (r.outcome === 'known' && !o.strict)),
    '@_time': seconds(runs.reduce((t, r) => t + (r.wallMs ?? 0), 0)),
    '@_timestamp': timestamp(runs.find((r) => r.startedAt)?.startedAt ?? c.startedAt),
    properties: { property: [{ '@_name': 'campaign', '@_value': attr(path.join(o.campaignDir, 'campaign.html')) }, { '@_name': 'seeds', '@_value': runs.map((r) => r.seed).join(',') }] },
    testcase: runs.map((r) => testcase(r, o)),
  };
}

export function renderJunit(c: Campaign, given: JunitOptions): string {
  const o: JunitOptions = { ...given, strict: given.strict ?? c.options.strict };
  const scenarios = [...new Set(c.runs.map((r) => r.scenario))];
  const count = (pred: (r: CampaignRun) => boolean) => String(c.runs.filter(pred).length);
  const doc = {
    '?xml': { '@_version': '1.0', '@_encoding': 'UTF-8' },
    testsuites: {
      '@_name': attr(`faultline campaign ${c.startedAt}`),
      '@_tests': String(c.runs.length),
      '@_failures': count((r) => r.outcome === 'fail' || (r.outcome === 'known' && Boolean(o.strict))),
      '@_errors': count((r) => r.outcome === 'error'),
      '@_time': seconds(c.wallMs ?? 0), // no `skipped` here: the Jenkins schema allows it on <testsuite> only
      testsuite: scenarios.map((s) => testsuite(s, c.runs.filter((r) => r.scenario === s), c, o)),
    },
  };
  const builder = new XMLBuilder({ ignoreAttributes: false, attributeNamePrefix: '@_', textNodeName: '#text', format: true, suppressEmptyNode: true });
  return builder.build(doc) as string;
}
