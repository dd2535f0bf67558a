import { compileGlob, shapeGlob } from './glob.js';

export const FRESH_ACCOUNT = '444455556666';
export const SECOND_FRESH_ACCOUNT = '777788889999';
export const FRESH_ORG = 'o-exampleorg1';

// ------------------------------------------------------------------------------------- id shapes
// Witnesses name ids that can exist: endpoint and VPC ids are the prefix and 17 lowercase hex
// digits, organization ids `o-` and 10 to 32 lowercase letters or digits (Organizations API
// reference, Organization.Id), key ids UUIDs (KMS concepts, "Key ID"). The domains accept any
// value with the prefix, so a policy's own literal (even a placeholder such as vpce-0unknown) is
// still a request it may match; the values the analyzer makes up are given AWS's shapes.
const glob = (pattern: string, arn = false) =>
  compileGlob({ pattern, wildcards: true, ignoreCase: false, arn });
export const VPCE_DOMAIN = shapeGlob(['vpce-', { cls: 'hex', count: 8, more: true }]);
export const VPC_DOMAIN = shapeGlob(['vpc-', { cls: 'hex', count: 8, more: true }]);
export const ORG_DOMAIN = shapeGlob(['o-', { cls: 'alnum', count: 10, more: true }]);
/** A key id: one or more characters, no colon (ARN semantics keep wildcards out of `:`). */
export const KEY_ID_DOMAIN = glob('?*', true);
export const FRESH_VPCE = 'vpce-0e5c1d2a3b4f60718';
export const FRESH_VPC = 'vpc-0c4b3a29180f7e6d5';
/** The key id AWS's own documentation uses. */
export const DOC_KEY_ID = '1234abcd-12ab-34cd-56ef-1234567890ab';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** A key id of UUID shape in the same cell as `value`: the value written over the documentation's id. */
export function keyIdVariants(value: string): string[] {
  if (UUID.test(value) || /^mrk-[0-9a-f]{32}$/.test(value)) return [];
  const over = (template: string, v: string) => v + template.slice(v.length);
  const under = (template: string, v: string) => template.slice(0, template.length - v.length) + v;
  return [over(DOC_KEY_ID, value), under(DOC_KEY_ID, value), DOC_KEY_ID].filter((v) => UUID.test(v));
}

/** An organization id shorter than 10 characters, padded. */
export function orgIdVariants(value: string): string[] {
  if (/^o-[a-z0-9]{10,32}$/.test(value) || !value.startsWith('o-')) return [];
  const body = value.slice(2);
  if (!/^[a-z0-9]*$/.test(body) || body.length >= 10) return [];
  const pad = '0'.repeat(10 - body.length);
  return [`o-${body}${pad}`, `o-${pad}${body}`];
}

/** A hex id shorter than 17 digits, padded the ways that keep a pattern's prefix or suffix. */
export function hexIdVariants(prefix: string): (value: string) => string[] {
  const full = new RegExp(`^${prefix}[0-9a-f]{17}$`);
  return (value) => {
    if (full.test(value) || !value.startsWith(prefix)) return [];
    const digits = value.slice(prefix.length);
    if (digits.length >= 17) return [];
    const pad = '0'.repeat(17 - digits.length);
    return [
      `${prefix}${digits}${pad}`,
      `${prefix}${pad}${digits}`,
      `${prefix}${digits.slice(0, 1)}${pad}${digits.slice(1)}`,
    ];
  };
}

export function freshHexId(base: string): (taken: (v: string) => boolean) => string {
  return (taken) => {
    if (!taken(base)) return base;
    for (let i = 1; i < 64; i++) {
      const v = base.slice(0, -2) + i.toString(16).padStart(2, '0');
      if (!taken(v)) return v;
    }
    return base;
  };
}

/**
 * A readable value outside every pattern: `base`, or `base` with a suffix. Gives `base` itself
 * when wildcards cover every try; callers that need "matches none" only use it when the cell
 * enumeration says such a cell exists.
 */
export function freshValue(base: string, taken: (v: string) => boolean): string {
  if (!taken(base)) return base;
  for (let i = 1; i <= 64; i++) {
    const v = `${base}${i}`;
    if (!taken(v)) return v;
  }
  return base;
}

export function freshAccount(taken: (v: string) => boolean): string {
  let n = BigInt(FRESH_ACCOUNT);
  for (let i = 0; i < 64 && taken(n.toString().padStart(12, '0')); i++)
    n = (n + 1_000_001n) % 1_000_000_000_000n;
  return n.toString().padStart(12, '0');
}
