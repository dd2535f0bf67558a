/**
 * The RCPs effective for an account (`organization.rcps: "read"`), read from the management or a
 * delegated administrator account: the RCPs attached to the organization root, to each OU on the
 * path down to the account, and to the account. One reader per sweep run caches every answer.
 *
 * - RCPs are enabled per root: ListRoots `PolicyTypes` (https://docs.aws.amazon.com/organizations/latest/APIReference/API_Root.html).
 * - The path: ListParents from the account up to the root (https://docs.aws.amazon.com/organizations/latest/APIReference/API_ListParents.html).
 * - Per level: ListPoliciesForTarget with Filter RESOURCE_CONTROL_POLICY, every page, then
 *   DescribePolicy for each document (https://docs.aws.amazon.com/organizations/latest/APIReference/API_ListPoliciesForTarget.html).
 * - RCPs do not affect resources in the management account (DescribeOrganization's
 *   MasterAccountId) (https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_rcps.html).
 * - RCPFullAWSAccess is attached at every level and cannot be detached; a level without it would
 *   be an allow-list, which the guard does not model: that account is judged without RCPs.
 */
import {
  DescribeOrganizationCommand,
  DescribePolicyCommand,
  ListParentsCommand,
  ListPoliciesForTargetCommand,
  ListRootsCommand,
  type OrganizationsClient,
  type PolicySummary,
} from '@aws-sdk/client-organizations';
import type { AccountRcps } from '../engine/deps.js';
import { AwsCallError } from '../errors.js';
import { parseRcpDocument, RCP_FULL_ACCESS_ID, RCP_FULL_ACCESS_NAME, type Rcp } from '../policy/rcp-parse.js';
import { type AdapterOptions, createCaller } from './call.js';

const RCP = 'RESOURCE_CONTROL_POLICY';

interface Organization {
  managementAccount?: string;
  rootId: string;
  enabled: boolean;
}

const isFullAccess = (p: PolicySummary) =>
  p.Id === RCP_FULL_ACCESS_ID || (p.AwsManaged === true && p.Name === RCP_FULL_ACCESS_NAME);

/** `rcpsFor(account)` for the pipeline; never throws (a failure is `{ kind: 'error' }`). */
export function createRcpReader(client: OrganizationsClient, options: AdapterOptions = {}) {
  const call = createCaller('organizations', options);
  const memo = new Map<string, Promise<unknown>>();
  const once = <T>(key: string, f: () => Promise<T>): Promise<T> => {
    let p = memo.get(key) as Promise<T> | undefined;
    if (!p) {
      p = f();
      memo.set(key, p);
    }
    return p;
  };

  const organization = () =>
    once('org', async (): Promise<Organization> => {
      const org = await call('DescribeOrganization', undefined, () =>
        client.send(new DescribeOrganizationCommand({})),
      );
      const roots = await call('ListRoots', undefined, () => client.send(new ListRootsCommand({})));
      const root = roots.Roots?.[0];
      if (!root?.Id) throw new Error('ListRoots returned no root');
      const enabled = (root.PolicyTypes ?? []).some((t) => t.Type === RCP && t.Status === 'ENABLED');
      return {
        ...(org.Organization?.MasterAccountId ? { managementAccount: org.Organization.MasterAccountId } : {}),
        rootId: root.Id,
        enabled,
      };
    });

  /** Root first, then each OU down to the account's parent. */
  const pathOf = (account: string) =>
    once(`path:${account}`, async (): Promise<string[]> => {
      const path: string[] = [];
      let child = account;
      for (let depth = 0; depth < 10; depth++) {
        const out = await call('ListParents', child, () =>
          client.send(new ListParentsCommand({ ChildId: child })),
        );
        const parent = out.Parents?.[0];
        if (!parent?.Id) throw new Error(`ListParents returned no parent for ${child}`);
        path.unshift(parent.Id);
        if (parent.Type === 'ROOT') return path;
        child = parent.Id;
      }
      // Organizations nests OUs at most five levels under the root.
      throw new Error(`no root above ${account}`);
    });

  const attached = (target: string) =>
    once(`target:${target}`, async (): Promise<PolicySummary[]> => {
      const out: PolicySummary[] = [];
      let token: string | undefined;
      do {
        const page = await call('ListPoliciesForTarget', target, () =>
          client.send(
            new ListPoliciesForTargetCommand({
              TargetId: target,
              Filter: RCP,
              ...(token ? { NextToken: token } : {}),
            }),
          ),
        );
        out.push(...(page.Policies ?? []));
        token = page.NextToken || undefined;
      } while (token);
      return out;
    });

  const document = (id: string) =>
    once(`policy:${id}`, async (): Promise<Rcp> => {
      const out = await call('DescribePolicy', id, () =>
        client.send(new DescribePolicyCommand({ PolicyId: id })),
      );
      const content = out.Policy?.Content;
      if (typeof content !== 'string') throw new Error(`DescribePolicy ${id} returned no content`);
      const parsed = parseRcpDocument(id, content);
      if (!parsed.ok)
        throw new Error(`RCP ${id}: ${parsed.issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`);
      return parsed.value;
    });

  async function effective(account: string): Promise<AccountRcps> {
    const org = await organization();
    if (org.managementAccount === account)
      return { kind: 'none', reason: 'RCPs do not apply to resources in the management account' };
    if (!org.enabled)
      return { kind: 'none', reason: 'resource control policies are not enabled in the organization' };
    const levels = [...(await pathOf(account)), account];
    const rcps: Rcp[] = [];
    for (const level of levels) {
      const summaries = await attached(level);
      if (!summaries.some(isFullAccess)) {
        return {
          kind: 'error',
          reason: `${level} has no RCPFullAWSAccess attached: an RCP allow-list is not modelled`,
        };
      }
      for (const s of summaries)
        if (!isFullAccess(s) && s.Id && !rcps.some((r) => r.name === s.Id)) rcps.push(await document(s.Id));
    }
    return { kind: 'rcps', rcps };
  }

  return (account: string): Promise<AccountRcps> =>
    once(`account:${account}`, () =>
      effective(account).catch((err: unknown): AccountRcps => {
        if (err instanceof AwsCallError && err.code === 'ChildNotFoundException')
          return { kind: 'none', reason: `${account} is not in the organization` };
        if (err instanceof AwsCallError && err.code === 'AWSOrganizationsNotInUseException')
          return { kind: 'none', reason: 'the account is not in an organization' };
        return { kind: 'error', reason: err instanceof Error ? err.message : String(err) };
      }),
    );
}
