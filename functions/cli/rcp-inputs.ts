/**
 * `check --rcp FILE`: an `aws organizations describe-policy` output (`{"Policy": {"PolicySummary":
 * {...}, "Content": "<json text>"}}`) or a bare RCP document. Every problem names the file and the
 * JSON path; a file with a problem contributes no RCP, and the check reports it as an input error.
 */
import { UsageError } from '../errors.js';
import { parseRcpDocument, type Rcp } from '../policy/rcp-parse.js';
import type { Issue } from '../policy/types.js';
import type { InputProblem } from './inputs.js';
import { binaryReason, scanJson, withoutBom } from './json-text.js';

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

// DescribePolicy's PolicySummary.Type for an RCP
// (https://docs.aws.amazon.com/organizations/latest/APIReference/API_PolicySummary.html).
const RCP_TYPE = 'RESOURCE_CONTROL_POLICY';

export interface RcpInput {
  rcp?: Rcp;
  problems: InputProblem[];
}

function fromIssues(file: string, prefix: string, issues: Issue[]): InputProblem[] {
  return issues.map((i) => ({
    file,
    path: prefix === '' ? i.path : i.path === '$' ? prefix : `${prefix} → ${i.path}`,
    message: i.message,
  }));
}

/** The describe-policy wrapper: its type must be an RCP; its Content is the document's JSON text. */
function readDescribePolicy(file: string, policy: unknown): RcpInput {
  const fail = (path: string, message: string): RcpInput => ({ problems: [{ file, path, message }] });
  if (!isObject(policy)) return fail('Policy', 'must be an object (describe-policy output)');
  const summary = policy.PolicySummary;
  if (!isObject(summary)) return fail('Policy.PolicySummary', 'missing (describe-policy output has one)');
  if (summary.Type !== RCP_TYPE) {
    return fail(
      'Policy.PolicySummary.Type',
      `must be ${RCP_TYPE} for --rcp, got ${JSON.stringify(summary.Type)}${summary.Type === 'SERVICE_CONTROL_POLICY' ? ' (an SCP limits principals, not resources: it is not an RCP)' : ''}`,
    );
  }
  if (typeof summary.Id !== 'string' || !/^p-[0-9a-zA-Z_]{8,128}$/.test(summary.Id)) {
    return fail('Policy.PolicySummary.Id', `must be a policy id p-..., got ${JSON.stringify(summary.Id)}`);
  }
  const content = policy.Content;
  if (typeof content !== 'string') return fail('Policy.Content', 'must be the policy document as JSON text');
  const scan = scanJson(content);
  if (!scan.ok) return fail('Policy.Content', scan.message);
  if (scan.duplicates.length > 0) return { problems: fromIssues(file, 'Policy.Content', scan.duplicates) };
  const parsed = parseRcpDocument(summary.Id, content);
  return parsed.ok
    ? { rcp: parsed.value, problems: [] }
    : { problems: fromIssues(file, 'Policy.Content', parsed.issues) };
}

/** Read one `--rcp` file's text. Never throws. */
export function readRcpText(file: string, text: string): RcpInput {
  const body = withoutBom(text);
  const binary = binaryReason(body);
  if (binary) return { problems: [{ file, path: '$', message: `${binary}; not an RCP` }] };
  const scan = scanJson(body);
  if (!scan.ok) return { problems: [{ file, path: '$', message: scan.message }] };
  if (scan.duplicates.length > 0) return { problems: fromIssues(file, '', scan.duplicates) };
  const value: unknown = JSON.parse(body);
  if (isObject(value) && Object.hasOwn(value, 'Policy')) return readDescribePolicy(file, value.Policy);
  const parsed = parseRcpDocument(file, body);
  return parsed.ok ? { rcp: parsed.value, problems: [] } : { problems: fromIssues(file, '', parsed.issues) };
}

/** `--key-tag KEY=VALUE` (repeatable): the tags of the keys judged with `--rcp`. */
export function keyTagsOf(given: string[] | undefined, withRcps: boolean): Record<string, string> {
  const tags: Record<string, string> = {};
  if (given === undefined) return tags;
  if (!withRcps)
    throw new UsageError(
      '--key-tag only matters with --rcp (it sets the aws:ResourceTag values the RCPs see)',
    );
  for (const t of given) {
    const eq = t.indexOf('=');
    if (eq < 1) throw new UsageError(`--key-tag must be KEY=VALUE, got ${JSON.stringify(t)}`);
    Object.defineProperty(tags, t.slice(0, eq), {
      value: t.slice(eq + 1),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return tags;
}

/** Every `--rcp` file: an unreadable or invalid one is an input error naming the file and JSON path. */
export function readRcpFiles(
  names: string[],
  readFile: (path: string) => string,
): { rcps: Rcp[]; problems: InputProblem[] } {
  const rcps: Rcp[] = [];
  const problems: InputProblem[] = [];
  for (const name of names) {
    let text: string;
    try {
      text = readFile(name);
    } catch (err) {
      problems.push({
        file: name,
        path: '$',
        message: `cannot read RCP file (${(err as NodeJS.ErrnoException).code ?? String(err)})`,
      });
      continue;
    }
    const read = readRcpText(name, text);
    problems.push(...read.problems);
    if (read.rcp) rcps.push(read.rcp);
  }
  return { rcps, problems };
}
