/**
 * Organizations in the simulator: ListAccounts, and what the guard reads for RCPs — DescribeOrganization,
 * ListRoots (with the root's policy types), ListParents, ListPoliciesForTarget (Filter, pages of
 * `MaxResults`, default 20) and DescribePolicy. Shapes as in the Organizations API reference
 * (https://docs.aws.amazon.com/organizations/latest/APIReference/API_Operations.html).
 */
import type { Estate } from './estate.js';

/** RCPFullAWSAccess as Organizations lists it: AWS managed, attached everywhere once RCPs are enabled. */
export const RCP_FULL_ACCESS = {
  id: 'p-RCPFullAWSAccess',
  name: 'RCPFullAWSAccess',
  awsManaged: true,
  content: JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: '*', Action: '*', Resource: '*' }],
  }),
};

export interface SimOrganization {
  id: string;
  managementAccount: string;
  rootId: string;
  rcpsEnabled: boolean;
  /** Parent (an OU id or the root id) of each OU and account; absent: the root. */
  parents: Record<string, string>;
  /** Customer managed RCPs by id. */
  policies: Record<string, { name: string; content: string }>;
  /** Policy ids attached per target (root, OU, account); RCPFullAWSAccess is added when enabled. */
  attachments: Record<string, string[]>;
}

export const defaultOrganization = (): SimOrganization => ({
  id: 'o-sim0000001',
  managementAccount: '000000000000',
  rootId: 'r-sim0',
  rcpsEnabled: false,
  parents: {},
  policies: {},
  attachments: {},
});

type Fail = (code: string, message: string) => Error;

function summary(org: SimOrganization, id: string) {
  const full = id === RCP_FULL_ACCESS.id;
  return {
    Id: id,
    Arn: full
      ? `arn:aws:organizations::aws:policy/resource_control_policy/${id}`
      : `arn:aws:organizations::${org.managementAccount}:policy/${org.id}/resource_control_policy/${id}`,
    Name: full ? RCP_FULL_ACCESS.name : (org.policies[id]?.name ?? id),
    Type: 'RESOURCE_CONTROL_POLICY',
    AwsManaged: full,
  };
}

function page<T>(items: T[], input: Record<string, unknown>, size = 20) {
  const max = typeof input.MaxResults === 'number' ? input.MaxResults : size;
  const start = input.NextToken ? Number(input.NextToken) : 0;
  return {
    items: items.slice(start, start + max),
    next: start + max < items.length ? String(start + max) : undefined,
  };
}

export function organizationsCall(
  estate: Estate,
  op: string,
  input: Record<string, unknown>,
  fail: Fail,
): unknown {
  const org = estate.organization;
  const known = (id: string) =>
    id === org.rootId ||
    id in org.parents ||
    estate.accounts.some((a) => a.id === id) ||
    Object.values(org.parents).includes(id);
  switch (op) {
    case 'ListAccounts': {
      const p = page(estate.accounts, input);
      return {
        Accounts: p.items.map((a) => ({
          Id: a.id,
          Status: a.status,
          State: a.status,
          Name: `account-${a.id}`,
          Arn: `arn:aws:organizations::${org.managementAccount}:account/${org.id}/${a.id}`,
        })),
        ...(p.next ? { NextToken: p.next } : {}),
      };
    }
    case 'DescribeOrganization':
      return {
        Organization: {
          Id: org.id,
          Arn: `arn:aws:organizations::${org.managementAccount}:organization/${org.id}`,
          FeatureSet: 'ALL',
          MasterAccountId: org.managementAccount,
          MasterAccountArn: `arn:aws:organizations::${org.managementAccount}:account/${org.id}/${org.managementAccount}`,
        },
      };
    case 'ListRoots':
      return {
        Roots: [
          {
            Id: org.rootId,
            Arn: `arn:aws:organizations::${org.managementAccount}:root/${org.id}/${org.rootId}`,
            Name: 'Root',
            PolicyTypes: org.rcpsEnabled ? [{ Type: 'RESOURCE_CONTROL_POLICY', Status: 'ENABLED' }] : [],
          },
        ],
      };
    case 'ListParents': {
      const child = String(input.ChildId ?? '');
      if (!known(child) || child === org.rootId)
        throw fail(
          'ChildNotFoundException',
          `We can't find an organizational unit (OU) or AWS account with the ChildId that you specified.`,
        );
      const parent = org.parents[child] ?? org.rootId;
      return { Parents: [{ Id: parent, Type: parent === org.rootId ? 'ROOT' : 'ORGANIZATIONAL_UNIT' }] };
    }
    case 'ListPoliciesForTarget': {
      const target = String(input.TargetId ?? '');
      if (!known(target))
        throw fail(
          'TargetNotFoundException',
          `We can't find a root, OU, account, or policy with the TargetId that you specified.`,
        );
      if (input.Filter !== 'RESOURCE_CONTROL_POLICY')
        throw fail('InvalidInputException', 'only RESOURCE_CONTROL_POLICY is simulated');
      if (!org.rcpsEnabled)
        throw fail(
          'PolicyTypeNotEnabledException',
          'This operation can be performed only for enabled policy types.',
        );
      const ids = [RCP_FULL_ACCESS.id, ...(org.attachments[target] ?? [])];
      const p = page(ids, input);
      return { Policies: p.items.map((id) => summary(org, id)), ...(p.next ? { NextToken: p.next } : {}) };
    }
    case 'DescribePolicy': {
      const id = String(input.PolicyId ?? '');
      const content = id === RCP_FULL_ACCESS.id ? RCP_FULL_ACCESS.content : org.policies[id]?.content;
      if (content === undefined)
        throw fail('PolicyNotFoundException', `We can't find a policy with the PolicyId that you specified.`);
      return { Policy: { PolicySummary: { ...summary(org, id), Description: '' }, Content: content } };
    }
    default:
      throw fail('UnknownOperationException', `Organizations ${op} is not simulated`);
  }
}
