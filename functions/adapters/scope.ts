/**
 * What a sweep needs to know before it starts: its own account, the enabled regions and the
 * organization's active accounts. Each answer is paginated to the end and counted like every call.
 */
import { DescribeRegionsCommand, type EC2Client } from '@aws-sdk/client-ec2';
import { ListAccountsCommand, type OrganizationsClient } from '@aws-sdk/client-organizations';
import { GetCallerIdentityCommand, type STSClient } from '@aws-sdk/client-sts';
import { type AdapterOptions, createCaller } from './call.js';

/** The account whose credentials the process uses (STS GetCallerIdentity needs no permission). */
export async function callerAccount(client: STSClient, options: AdapterOptions = {}): Promise<string> {
  const call = createCaller('sts', options);
  const out = await call('GetCallerIdentity', undefined, () => client.send(new GetCallerIdentityCommand({})));
  if (!out.Account) throw new Error('GetCallerIdentity returned no account');
  return out.Account;
}

/**
 * Regions enabled for the account: DescribeRegions without AllRegions returns only the regions
 * the account can use (opt-in regions only once opted in).
 * https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeRegions.html
 */
export async function enabledRegions(client: EC2Client, options: AdapterOptions = {}): Promise<string[]> {
  const call = createCaller('ec2', options);
  const out = await call('DescribeRegions', undefined, () => client.send(new DescribeRegionsCommand({})));
  return (out.Regions ?? [])
    .map((r) => r.RegionName)
    .filter((r): r is string => typeof r === 'string')
    .sort();
}

/**
 * ACTIVE accounts of the organization (ListAccounts from the management or a delegated
 * administrator account), every page. Suspended and pending-closure accounts cannot be swept.
 * https://docs.aws.amazon.com/organizations/latest/APIReference/API_ListAccounts.html
 */
export async function activeOrganizationAccounts(
  client: OrganizationsClient,
  options: AdapterOptions = {},
): Promise<string[]> {
  const call = createCaller('organizations', options);
  const accounts: string[] = [];
  let token: string | undefined;
  do {
    const out = await call('ListAccounts', undefined, () =>
      client.send(new ListAccountsCommand({ ...(token ? { NextToken: token } : {}) })),
    );
    for (const a of out.Accounts ?? []) {
      // `State` replaces the deprecated `Status`; older responses carry only `Status`.
      const state = (a as { State?: string }).State ?? a.Status;
      if (a.Id && state === 'ACTIVE') accounts.push(a.Id);
    }
    token = out.NextToken || undefined;
  } while (token);
  return accounts.sort();
}
