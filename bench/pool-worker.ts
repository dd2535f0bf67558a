/**
 * A judge in a worker thread (pool benchmark): receives key policy texts, judges each with every
 * rule, posts back each verdict's rule results (what a sweep needs of a verdict).
 */
import { parentPort } from 'node:worker_threads';
import { parseConfig } from '../functions/config/load.js';
import { judge } from '../functions/engine/judge.js';
import { parsePolicyText } from '../functions/policy/parse.js';

const config = parseConfig(
  {
    trust: { accounts: ['111122223333'], organizationIds: ['o-a1b2c3d4e5'] },
    network: { vpceIds: ['vpce-0a1b2c3d4e5f6a7b8'], vpcIds: ['vpc-0a1b2c3d'] },
  },
  'bench-pool',
);

export function judgeText(id: string, text: string) {
  const parsed = parsePolicyText(text, { maxBytes: Number.MAX_SAFE_INTEGER });
  if (!parsed.ok) return [];
  return judge(
    {
      type: 'kms-key',
      id,
      arn: `arn:aws:kms:us-east-1:111122223333:key/${id}`,
      keyManager: 'CUSTOMER',
      policy: parsed.value,
    },
    config,
  ).results;
}

parentPort?.on('message', (job: { id: string; text: string }[]) => {
  parentPort?.postMessage(job.map((j) => judgeText(j.id, j.text)));
});
