/** The help texts: one per command (`kms-perimeter-guard <command> --help`) and the overview. */
import { EXIT_HELP } from './exit-codes.js';

export const COMMANDS = ['check', 'sweep', 'trails', 'config'] as const;
export type Command = (typeof COMMANDS)[number];

export const USAGE = `usage: kms-perimeter-guard <command> [options]

commands:
  check             judge policy files offline with the guard's rules (no AWS account needed)
  sweep             judge every KMS interface endpoint and customer-managed key of the configured
                    accounts and regions (dry run unless --remediate)
  trails            check that each region has a logging CloudTrail trail for write management events
  config validate   validate a configuration file

  kms-perimeter-guard <command> --help    that command's options
  kms-perimeter-guard --version           the version

${EXIT_HELP}
`;

const CONFIG_OPTION = `  -c, --config FILE    the configuration (JSON; README "Configuration"). Without it, GUARD_CONFIG
                       (JSON text) or GUARD_CONFIG_FILE (a path) is read`;
const FAIL_ON_OPTION = `      --fail-on low|medium|high
                       lowest severity that makes the exit status 1 (default low); findings below
                       it are still printed`;

export const HELP: Record<Command, string> = {
  check: `usage: kms-perimeter-guard check [options] FILE...

Judge policy files offline with the guard's rules. FILE (or - for standard input) is one of:
  a policy document (needs --kind); a GetKeyPolicy response ({"Policy": "<json text>"}, the output of
  aws kms get-key-policy); an EC2 VpcEndpoint, {"VpcEndpoint": {...}} or {"VpcEndpoints": [...]}
  (the output of aws ec2 describe-vpc-endpoints); infrastructure code, recognised by content: a
  CloudFormation template (JSON or YAML), a CDK cloud assembly's manifest.json (its stack
  templates are read), a Terraform plan (terraform show -json plan.out).

options:
${CONFIG_OPTION}
  -k, --kind key-policy|endpoint-policy|endpoint
                       what FILE is, when its shape does not say (a bare policy document)
  -f, --format text|json|sarif|asff|ocsf
                       text (default): a sentence per finding; json: the document of SPEC §5;
                       sarif: SARIF 2.1.0 for code-scanning tools; asff: Security Hub findings;
                       ocsf: OCSF Compliance Findings (a JSON array, one per open finding)
${FAIL_ON_OPTION}
      --budget MS      time budget for judging one resource (default: the configuration's
                       analysisBudgetMs, else none); past it the finding is unproven
      --rcp FILE       judge customer-managed keys with this resource control policy too
                       (repeatable): aws organizations describe-policy output or a bare RCP
                       document. A request only an RCP denies is no finding; it is reported as
                       "blocked only by RCP p-...". Keys are taken to be in a member account
      --key-tag KEY=VALUE
                       a tag of the keys judged with --rcp (repeatable), for aws:ResourceTag
                       conditions; without it the keys are judged as having no tags
      --account ID     where the resources are when the input does not say: the account
                       infrastructure code deploys to (AWS::AccountId; without it the first of
                       trust.accounts is taken, and the output says so) and of a key policy file
      --region NAME    the region infrastructure code deploys to (AWS::Region, AWS::Partition)
                       and of a key policy file; asff/ocsf of a policy file need both, and the
                       file named <key-id>.json
  -h, --help           this help

examples:
  kms-perimeter-guard check --config examples/config.json examples/policies/*.json
  kms-perimeter-guard check --config examples/config.json --rcp rcp.json key.json
  kms-perimeter-guard check --config examples/config.json --account 111122223333 --region eu-west-1 template.yaml

exit status:
  0  no findings at or above --fail-on (findings below it are printed)
  1  findings at or above --fail-on (default low: every finding)
  2  usage, configuration or input error: the message names the file and the JSON path, and
     nothing in that file is judged as compliant (the other files still are)
  (check judges every resource it reads, so it never exits 3)
`,
  sweep: `usage: kms-perimeter-guard sweep [options]

Judge every KMS interface endpoint and every customer-managed key of the configured accounts and
regions (configuration "sweep"), with the standard AWS credential chain. A dry run unless
--remediate; the CLI reports and never publishes alerts.

options:
${CONFIG_OPTION}
      --regions a,b    regions to sweep (default: the configuration's sweep.regions)
      --profile P      the AWS profile to use (as AWS_PROFILE)
      --endpoint-url URL
                       an AWS-compatible endpoint (LocalStack, the local estate: npm run estate)
      --dry-run        judge and plan, change nothing (the default)
      --remediate      apply the guard's fixes for rules in remediate mode
  -f, --format text|json|asff|ocsf
                       text (default): a table per account-region and a line per finding;
                       json: the sweep report (schema/sweep-report.v1.schema.json); asff, ocsf:
                       a JSON array, one Security Hub / OCSF finding per open finding
  -o, --output FILE    also write the JSON report to FILE (checked to be writable first)
${FAIL_ON_OPTION}
  -h, --help           this help

${EXIT_HELP}
`,
  trails: `usage: kms-perimeter-guard trails [options]

Check that each region has a CloudTrail trail that applies there, is logging and records write
management events: without one, EventBridge never delivers the events the guard reacts to.

options:
      --regions a,b    regions to check (default: every enabled region, EC2 DescribeRegions)
      --profile P      the AWS profile to use (as AWS_PROFILE)
      --endpoint-url URL
                       an AWS-compatible endpoint (LocalStack, the local estate: npm run estate)
  -f, --format text|json
  -h, --help           this help

exit status:
  0  every region covered
  1  a region is not covered (the output says why for each trail seen)
  2  usage error, no credentials, or an endpoint that is not an AWS API
  3  a region could not be checked (e.g. access denied); the others are still reported
`,
  config: `usage: kms-perimeter-guard config validate FILE...

Validate configuration files with the schema the Lambdas and the CLI use: unknown fields are
errors, and every problem is printed as FILE: path: message.

options:
  -h, --help           this help

exit status:
  0  every FILE is valid
  2  a FILE is invalid or cannot be read
`,
};
