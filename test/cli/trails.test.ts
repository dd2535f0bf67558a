import {
  CloudTrailClient,
  DescribeTrailsCommand,
  GetEventSelectorsCommand,
  GetTrailStatusCommand,
} from '@aws-sdk/client-cloudtrail';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { logsWriteManagementEvents } from '../../functions/adapters/trails.js';
import { profileFiles, runCli, signingKeyOf } from './helpers.js';

const ct = mockClient(CloudTrailClient);
const env = { AWS_ACCESS_KEY_ID: 'AKIDTEST', AWS_SECRET_ACCESS_KEY: 'x', AWS_REGION: 'us-east-1' };
const orgTrail = 'arn:aws:cloudtrail:us-east-1:111122223333:trail/org-trail';

beforeEach(() => ct.reset());
afterEach(() => vi.unstubAllEnvs());

describe('trails', () => {
  it('a multi-region organization trail that logs write management events covers every region (exit 0)', async () => {
    ct.on(DescribeTrailsCommand).resolves({
      trailList: [
        { TrailARN: orgTrail, HomeRegion: 'us-east-1', IsMultiRegionTrail: true, IsOrganizationTrail: true },
      ],
    });
    ct.on(GetTrailStatusCommand).resolves({ IsLogging: true });
    ct.on(GetEventSelectorsCommand).resolves({
      EventSelectors: [{ IncludeManagementEvents: true, ReadWriteType: 'All' }],
    });
    const run = await runCli(['trails', '--regions', 'us-east-1,eu-west-1'], {}, env);
    expect(run.stdout).toContain(`us-east-1: covered by ${orgTrail}`);
    expect(run.stdout).toContain(`eu-west-1: covered by ${orgTrail}`);
    expect(run.code).toBe(0);
  });

  it('a stopped trail, a read-only trail, or another region’s single-region trail does not count (exit 1)', async () => {
    ct.on(DescribeTrailsCommand).resolves({
      trailList: [
        { TrailARN: 'arn:t/stopped', HomeRegion: 'eu-west-1', IsMultiRegionTrail: true },
        { TrailARN: 'arn:t/reads', HomeRegion: 'eu-west-1', IsMultiRegionTrail: true },
        { TrailARN: 'arn:t/other', HomeRegion: 'us-east-1', IsMultiRegionTrail: false },
      ],
    });
    ct.on(GetTrailStatusCommand).callsFake((input: { Name: string }) => ({
      IsLogging: input.Name !== 'arn:t/stopped',
    }));
    ct.on(GetEventSelectorsCommand).resolves({
      EventSelectors: [{ IncludeManagementEvents: true, ReadWriteType: 'ReadOnly' }],
    });
    const run = await runCli(['trails', '--regions', 'eu-west-1'], {}, env);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/eu-west-1: NOT COVERED/);
    expect(run.stdout).toContain('arn:t/stopped: not logging');
    expect(run.stdout).toContain('arn:t/reads: does not log write management events');
    expect(run.stdout).toContain('arn:t/other: single-region trail of us-east-1');
  });

  it('a region that cannot be checked is incomplete coverage: exit 3, with the region and the error named', async () => {
    ct.on(DescribeTrailsCommand).rejects(
      Object.assign(new Error('not authorized'), {
        name: 'AccessDeniedException',
        $metadata: { httpStatusCode: 400 },
      }),
    );
    const run = await runCli(['trails', '--regions', 'eu-west-1', '--format', 'json'], {}, env);
    expect(run.code).toBe(3);
    expect(JSON.parse(run.stdout).regions[0]).toMatchObject({
      region: 'eu-west-1',
      error: expect.stringMatching(/AccessDeniedException/),
    });
  });

  it('--profile: the calls are signed with the profile, and the environment is left alone', async () => {
    profileFiles('guard-audit', 'AKIDPROFILE');
    const before = process.env.AWS_PROFILE;
    ct.on(DescribeTrailsCommand).resolves({ trailList: [] });
    const run = await runCli(['trails', '--regions', 'eu-west-1', '--profile', 'guard-audit'], {}, env);
    expect(run.code).toBe(1);
    expect(process.env.AWS_PROFILE).toBe(before);
    await expect(signingKeyOf(ct.commandCalls(DescribeTrailsCommand)[0])).resolves.toBe('AKIDPROFILE');
  });

  it('no credentials is a setup error: exit 2, one sentence, not one error per region', async () => {
    ct.on(DescribeTrailsCommand).rejects(
      Object.assign(new Error('Could not load credentials from any providers'), {
        name: 'CredentialsProviderError',
      }),
    );
    const run = await runCli(['trails', '--regions', 'eu-west-1,us-east-1'], {}, env);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr.trimEnd().split('\n')).toEqual([
      expect.stringMatching(/^kms-perimeter-guard trails: no AWS credentials found/),
    ]);
  });

  it.each([
    [['trails', '--regions', 'eu-west-1', 'extra'], /trails takes no arguments/],
    [['trails', '--regions', 'mars-north-1'], /"mars-north-1" is not an AWS region/],
    [['trails', '--format', 'sarif'], /--format must be one of text\|json/],
  ])('%j is a usage error (exit 2)', async (argv, message) => {
    const run = await runCli(argv, {}, env);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(run.stderr).toContain('see `kms-perimeter-guard trails --help`');
    expect(ct).not.toHaveReceivedAnyCommand();
  });

  it('advanced event selectors: a Management selector not limited to reads counts', () => {
    expect(
      logsWriteManagementEvents({
        AdvancedEventSelectors: [{ FieldSelectors: [{ Field: 'eventCategory', Equals: ['Management'] }] }],
      }),
    ).toBe(true);
    expect(
      logsWriteManagementEvents({
        AdvancedEventSelectors: [
          {
            FieldSelectors: [
              { Field: 'eventCategory', Equals: ['Management'] },
              { Field: 'readOnly', Equals: ['true'] },
            ],
          },
        ],
      }),
    ).toBe(false);
    expect(
      logsWriteManagementEvents({
        AdvancedEventSelectors: [{ FieldSelectors: [{ Field: 'eventCategory', Equals: ['Data'] }] }],
      }),
    ).toBe(false);
    expect(
      logsWriteManagementEvents({
        EventSelectors: [{ IncludeManagementEvents: false, ReadWriteType: 'All' }],
      }),
    ).toBe(false);
  });
});
