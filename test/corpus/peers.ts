/**
 * The peer comparison (Cloud Custodian, Prowler): which corpus cases apply to this guard, how each
 * peer's configuration maps onto ours, and our verdict for each case.
 */
import { parseConfig } from '../../functions/config/load.js';
import { judge } from '../../functions/engine/judge.js';
import { parsePolicy } from '../../functions/policy/parse.js';
import type { Resource, RuleId } from '../../functions/rules/types.js';
import { listCorpus, readCorpusJson } from '../corpus.js';

export type Peer = 'custodian' | 'prowler';

export interface PeerCase {
  peer: Peer;
  /** Corpus path, relative to the corpus root. */
  file: string;
  kind: string;
  policy: unknown;
  /** The peer's verdict: does the policy let an external (prowler: public) principal in? */
  peerExternal: boolean;
  trustedAccounts: string[];
  trustedOrgs: string[];
  probe: boolean;
  /** Custodian probes: our reading of AWS semantics, written by the corpus authors. */
  semanticExternal?: boolean;
}

export type CaseResult =
  | { kind: 'compared'; ours: boolean; proof?: string; detail: string }
  | { kind: 'input-error'; message: string };

/** Kinds this guard judges: KMS key policies and (KMS) VPC endpoint policies. */
export const APPLICABLE_KINDS = new Set(['key-policy', 'endpoint-policy']);

type Json = Record<string, unknown>;

export function loadPeerCases(): PeerCase[] {
  const out: PeerCase[] = [];
  const files = [
    ...listCorpus('peers/custodian').filter((f) => !f.endsWith('index.json')),
    ...listCorpus('peers/custodian/probes'),
    ...listCorpus('peers/prowler'),
    ...listCorpus('peers/prowler/condition_blocks'),
  ];
  for (const file of files) {
    const c = readCorpusJson<Json>(file);
    const peer: Peer = file.startsWith('peers/custodian') ? 'custodian' : 'prowler';
    const cfg = (c.checker_config ?? {}) as Json;
    const accounts = [
      ...((c.trusted_accounts as string[] | undefined) ?? []),
      ...((cfg.allowed_accounts as string[] | undefined) ?? []),
    ];
    const orgs = [
      ...((cfg.allowed_orgid as string[] | undefined) ?? []),
      ...(typeof c.trusted_org === 'string' ? [c.trusted_org] : []),
    ];
    const probe = c.probe === true;
    const peerExternal = (probe ? c.custodian_external : c.expected_external) as boolean;
    out.push({
      peer,
      file,
      kind: String(c.kind),
      policy: c.policy,
      peerExternal,
      trustedAccounts: [...new Set(accounts)],
      trustedOrgs: [...new Set(orgs)],
      probe,
      ...(typeof c.semantic_external === 'boolean' ? { semanticExternal: c.semantic_external } : {}),
    });
  }
  return out;
}

/** Judge one applicable case with the rule that asks the peer's question. */
export function judgeCase(c: PeerCase): CaseResult {
  const parsed = parsePolicy(c.policy);
  if (!parsed.ok)
    return { kind: 'input-error', message: parsed.issues.map((i) => `${i.path}: ${i.message}`).join('; ') };
  let config: ReturnType<typeof parseConfig>;
  try {
    config = parseConfig({ trust: { accounts: c.trustedAccounts, organizationIds: c.trustedOrgs } }, c.file);
  } catch (err) {
    return {
      kind: 'input-error',
      message: `peer configuration does not map onto ours: ${(err as Error).message}`,
    };
  }
  const rule: RuleId =
    c.kind === 'key-policy' ? 'key-no-external-principals' : 'endpoint-no-external-principals';
  const resource: Resource =
    c.kind === 'key-policy'
      ? { type: 'kms-key', id: c.file, keyManager: 'CUSTOMER', policy: parsed.value }
      : {
          type: 'vpc-endpoint',
          id: c.file,
          serviceName: 'com.amazonaws.us-east-1.kms',
          vpcEndpointType: 'Interface',
          policy: parsed.value,
        };
  const result = judge(resource, config).results.find((r) => r.rule === rule);
  const finding = result?.findings[0];
  return {
    kind: 'compared',
    ours: result?.status === 'finding',
    ...(finding ? { proof: finding.proof } : {}),
    detail: finding ? finding.message : 'no finding',
  };
}
