import { type Dimension, type DimensionInput, dimensionOf } from './candidates.js';
import { keyDimension, viaDimension } from './key-dimension.js';
import { networkDimension } from './network-dimension.js';
import { principalDimension } from './principal-dimension.js';
import { VIA_KEYS } from './request-model.js';
import { resourceDimension } from './resource-dimension.js';

export function buildDimensions(input: DimensionInput): Map<string, Dimension> {
  const dims = new Map<string, Dimension>();
  dims.set('principal', principalDimension(input));
  dims.set('network', networkDimension(input));
  dims.set('action', {
    name: 'action',
    exact: true,
    candidates: input.requestClass.actions.map((action) => ({ values: {}, action })),
  });
  dims.set('resource', resourceDimension(input));
  const otherKeys = new Set<string>();
  for (const list of input.conditions.values()) {
    for (const c of list)
      if (dimensionOf(c.entry.keyLower).startsWith('key:')) otherKeys.add(c.entry.keyLower);
  }
  for (const key of otherKeys) dims.set(`key:${key}`, keyDimension(input, key));
  const viaMentioned = [...input.conditions.values()].some((list) =>
    list.some((c) => VIA_KEYS.has(c.entry.keyLower)),
  );
  if (viaMentioned || input.requestClass.exempt?.awsServiceCalls) dims.set('via', viaDimension(input));
  return dims;
}
