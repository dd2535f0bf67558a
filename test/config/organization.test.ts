import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../functions/config/load.js';

const base = { trust: { accounts: ['111122223333'] } };

describe('organization.rcps', () => {
  it('defaults to "ignore": key policies are judged alone', () => {
    expect(parseConfig(base, 'test').organization).toEqual({ rcps: 'ignore' });
  });
  it('"read" is accepted', () => {
    expect(parseConfig({ ...base, organization: { rcps: 'read' } }, 'test').organization.rcps).toBe('read');
  });
  it('another value or an unknown key is an error naming the field', () => {
    expect(() => parseConfig({ ...base, organization: { rcps: 'yes' } }, 'test')).toThrow(
      /organization\.rcps/,
    );
    expect(() => parseConfig({ ...base, organization: { scps: 'read' } }, 'test')).toThrow(/organization/);
  });
});
