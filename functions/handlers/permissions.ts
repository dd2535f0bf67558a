/**
 * The IAM actions each Lambda role and the member-account role need, derived from what the rules,
 * the reads and the remediation modules declare, plus what each function does itself (alerts,
 * queues, the member role). A test checks the packaged template against this: a permission nobody
 * declared is refused (least privilege), a missing one fails naming the rules that need it.
 */
import { REMEDIATIONS } from '../remediations/index.js';
import { RULES } from '../rules/index.js';
import { BASE_READS, LIST_PERMISSIONS, READ_PERMISSIONS } from '../rules/reads.js';
import type { ResourceType } from '../rules/types.js';

export interface FunctionNeeds {
  /** Resource kinds the function judges. */
  judges: readonly ResourceType[];
  /** Whether it applies remediations (writes). */
  remediates: boolean;
  /** Whether it lists every resource of its kinds (sweeps). */
  lists: boolean;
  /** Actions of the function itself, with why. */
  own: Readonly<Record<string, string>>;
}

const publishes = {
  'sns:Publish': 'alerts (adapters/sns.ts)',
  'sqs:SendMessage': 'undelivered alerts kept in their queue (handlers/runtime.ts)',
};

/** The findings ledger (adapters/ledger.ts): the functions that judge resources keep it. */
const LEDGER = {
  'dynamodb:Query': 'the findings ledger: an account-region or a resource (adapters/ledger.ts)',
  'dynamodb:GetItem': 'the findings ledger: a record read again after a lost race',
  'dynamodb:PutItem': 'the findings ledger: a transition, written conditionally',
};

/**
 * The findings ledger's sinks (engine/finding-sinks.ts), in the functions that reconcile it: Security
 * Hub for findings of the guard's own account (other accounts import through the member role,
 * `MEMBER_OWN`), and transition events on the guard's default bus.
 */
const sinks = {
  'securityhub:BatchImportFindings': 'Security Hub findings of the own account (adapters/security-hub.ts)',
  'events:PutEvents': 'transition events on the default bus (adapters/event-bus.ts)',
};

/** What the member role does besides judging and fixing: a finding is imported in its own account. */
const MEMBER_OWN = {
  'securityhub:BatchImportFindings': 'Security Hub findings of the member account (adapters/security-hub.ts)',
};

/** organization.rcps "read": the effective RCPs of each account (adapters/rcps.ts). */
const RCP_READS = Object.fromEntries(
  ['DescribeOrganization', 'ListRoots', 'ListParents', 'ListPoliciesForTarget', 'DescribePolicy'].map(
    (op) => [`organizations:${op}`, 'organization.rcps "read" (adapters/rcps.ts)'],
  ),
);

/** By the logical id of the role in serverless.yml. */
export const ROLE_NEEDS: Readonly<Record<string, FunctionNeeds>> = {
  EndpointEventsRole: {
    judges: ['vpc-endpoint'],
    remediates: true,
    lists: false,
    own: {
      ...publishes,
      ...LEDGER,
      ...sinks,
      'sts:AssumeRole': 'the member role of other accounts (adapters/sts.ts)',
    },
  },
  KeyEventsRole: {
    judges: ['kms-key'],
    remediates: true,
    lists: false,
    own: {
      ...publishes,
      ...LEDGER,
      ...sinks,
      'sts:AssumeRole': 'the member role of other accounts (adapters/sts.ts)',
      ...RCP_READS,
    },
  },
  SweepPlannerRole: {
    judges: [],
    remediates: false,
    lists: false,
    own: {
      ...publishes,
      'ec2:DescribeRegions': 'sweep.regions "all-enabled"',
      'organizations:ListAccounts': 'sweep.accounts "organization"',
    },
  },
  SweepWorkerRole: {
    judges: ['kms-key', 'vpc-endpoint'],
    remediates: true,
    lists: true,
    own: {
      ...publishes,
      ...LEDGER,
      ...sinks,
      'sts:AssumeRole': 'the member role of other accounts (adapters/sts.ts)',
      'sqs:ReceiveMessage': 'the sweep queue (Lambda event source)',
      'sqs:DeleteMessage': 'the sweep queue (Lambda event source)',
      'sqs:GetQueueAttributes': 'the sweep queue (Lambda event source)',
      ...RCP_READS,
    },
  },
};

/**
 * Listings a sweep makes beyond the kinds' own (rules/reads.ts `LIST_PERMISSIONS`): one ListAliases
 * per account-region tells the AWS-managed keys by their `alias/aws/*` aliases (engine/sweep.ts).
 * https://docs.aws.amazon.com/kms/latest/APIReference/API_ListAliases.html
 */
const SWEEP_LISTINGS: Readonly<Partial<Record<ResourceType, Readonly<Record<string, string>>>>> = {
  'kms-key': { 'kms:ListAliases': 'sweeps tell AWS-managed keys by their alias/aws/* aliases' },
};

/** Every action a role needs, each with who needs it ("rule key-no-external-principals reads policy"). */
export function requiredActions(needs: FunctionNeeds): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const add = (action: string, why: string) => out.set(action, [...(out.get(action) ?? []), why]);
  for (const [action, why] of Object.entries(needs.own)) add(action, why);
  for (const kind of needs.judges) {
    for (const read of BASE_READS[kind])
      for (const a of READ_PERMISSIONS[read]) add(a, `every ${kind} (${read})`);
    if (needs.lists) for (const a of LIST_PERMISSIONS[kind]) add(a, `sweeps list every ${kind}`);
    if (needs.lists) for (const [a, why] of Object.entries(SWEEP_LISTINGS[kind] ?? {})) add(a, why);
    for (const rule of RULES) {
      if (rule.appliesTo !== kind) continue;
      for (const read of rule.reads)
        for (const a of READ_PERMISSIONS[read]) add(a, `rule ${rule.id} reads ${read}`);
      if (!needs.remediates || !rule.remediation) continue;
      const module = REMEDIATIONS[rule.remediation];
      for (const a of [...module.permissions.read, ...module.permissions.write])
        add(a, `rule ${rule.id} remediates with ${module.kind}`);
    }
  }
  return out;
}

/** The member-account role: every AWS action the guard makes in a member account. */
export function memberRoleActions(): Map<string, string[]> {
  const out = new Map<string, string[]>(Object.entries(MEMBER_OWN).map(([action, why]) => [action, [why]]));
  for (const needs of Object.values(ROLE_NEEDS)) {
    for (const [action, why] of requiredActions({ ...needs, own: {} }))
      out.set(action, [...new Set([...(out.get(action) ?? []), ...why])]);
  }
  return out;
}
