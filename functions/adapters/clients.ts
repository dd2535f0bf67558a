/** Client factories, for tests and tools; Lambda code imports the one it needs (see client-config.ts). */
export { createClientCache } from './client-config.js';
export { createEc2Client } from './ec2-client.js';
export { createEventBridgeClient } from './eventbridge-client.js';
export { createKmsClient } from './kms-client.js';
export { createOrganizationsClient } from './organizations-client.js';
export { createSecurityHubClient } from './security-hub-client.js';
export { createSnsClient } from './sns-client.js';
export { createStsClient } from './sts-client.js';
