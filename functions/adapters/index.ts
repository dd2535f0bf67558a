// The only modules that import `@aws-sdk/*`. Handlers that care about bundle size import the file they
// need (`adapters/kms.js`) rather than this index; both tree-shake, since no module here has
// top-level side effects.

export {
  createEc2Client,
  createKmsClient,
  createOrganizationsClient,
  createSnsClient,
  createStsClient,
} from './clients.js';
export { createEc2Adapter } from './ec2.js';
export { createKmsAdapter } from './kms.js';
export { createSnsAdapter } from './sns.js';
export { createStsAdapter } from './sts.js';
