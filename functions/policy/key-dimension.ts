import { type Candidate, conditionsOn, type Dimension, type DimensionInput, unique } from './candidates.js';
import { freshValue } from './id-shapes.js';
import { ipRepresentatives } from './ip.js';
import { ALWAYS_PRESENT_BOOLEAN_KEYS, MULTIVALUED_KEYS } from './request-model.js';
import { stringCells } from './string-cells.js';

/**
 * A direct call (aws:ViaAWSService false, no kms:ViaService, no aws:CalledVia), or a call an AWS
 * service makes for the principal (true, with kms:ViaService and aws:CalledVia present), the values
 * of the present keys enumerated like any other key's.
 */
export function viaDimension(input: DimensionInput): Dimension {
  let exact = true;
  const present = (key: string): (string | string[])[] => {
    const mentioned = conditionsOn(input, (k) => k === key).length > 0;
    if (!mentioned) return key === 'kms:viaservice' ? ['ec2.us-east-1.amazonaws.com'] : [];
    const d = keyDimension(input, key);
    exact &&= d.exact;
    return d.candidates.flatMap((c) => (Object.hasOwn(c.values, key) ? [c.values[key]!] : []));
  };
  const keys = ['kms:viaservice', 'aws:calledvia', 'aws:calledviafirst', 'aws:calledvialast'];
  let combos: Record<string, string | string[]>[] = [{ 'aws:viaawsservice': 'true' }];
  for (const key of keys) {
    const values = present(key);
    if (values.length === 0) continue;
    combos = combos.flatMap((combo) => values.map((v) => ({ ...combo, [key]: v })));
  }
  return {
    name: 'via',
    exact,
    candidates: [{ values: { 'aws:viaawsservice': 'false' } }, ...combos.map((values) => ({ values }))],
    ...(exact
      ? {}
      : { inexactReason: 'too many values on kms:ViaService or aws:CalledVia to enumerate exactly' }),
  };
}

/**
 * aws:CurrentTime and aws:EpochTime are in every request and hold the time the request is made:
 * now or later, never the past (SPEC §2 precision), so an Allow that expired is not access. Their
 * candidates are now and every instant the policy's bounds separate after it.
 */
function timeDimension(input: DimensionInput, key: string): Dimension {
  const conds = conditionsOn(input, (k) => k === key);
  const now = Date.now();
  const bounds = unique([
    ...conds.flatMap((c) => c.dates),
    ...conds.flatMap((c) => c.numbers.map((n) => n * 1000)),
  ])
    .filter((t) => t > now)
    .sort((a, b) => a - b);
  const instants = [now];
  bounds.forEach((t, i) => {
    instants.push(t);
    instants.push(i + 1 < bounds.length ? Math.floor((t + bounds[i + 1]!) / 2) : t + 1000);
  });
  const show = (t: number) =>
    key === 'aws:epochtime' ? String(Math.floor(t / 1000)) : new Date(t).toISOString();
  return {
    name: `key:${key}`,
    exact: true,
    candidates: unique(instants.map(show)).map((v) => ({ values: { [key]: v } })),
  };
}

export function keyDimension(input: DimensionInput, key: string): Dimension {
  if (key === 'aws:currenttime' || key === 'aws:epochtime') return timeDimension(input, key);
  const conds = conditionsOn(input, (k) => k === key);
  const singles: string[] = [];
  let exact = true;
  const globs = conds.flatMap((c) => c.globs);
  if (globs.length) {
    const c = stringCells(globs, undefined, (t) => freshValue('example-value', t));
    exact &&= c.exact;
    singles.push(...c.values);
  }
  const numbers = unique(conds.flatMap((c) => c.numbers)).sort((a, b) => a - b);
  if (numbers.length) {
    // Below, above and between the policy's numbers. The step grows with the magnitude: 1e21 - 1
    // is 1e21 in floating point, and a candidate equal to the bound would hide every smaller value.
    const step = (n: number) => Math.max(1, Math.abs(n) * 1e-6);
    singles.push(
      String(numbers[0]! - step(numbers[0]!)),
      String(numbers[numbers.length - 1]! + step(numbers[numbers.length - 1]!)),
    );
    numbers.forEach((n, i) => {
      singles.push(String(n));
      const next = numbers[i + 1];
      if (next !== undefined) singles.push(String((n + next) / 2));
    });
  }
  const dates = unique(conds.flatMap((c) => c.dates)).sort((a, b) => a - b);
  if (dates.length) {
    const iso = (t: number) => new Date(t).toISOString();
    singles.push(iso(dates[0]! - 1000), iso(dates[dates.length - 1]! + 1000));
    dates.forEach((d, i) => {
      singles.push(iso(d));
      const next = dates[i + 1];
      if (next !== undefined) singles.push(iso(Math.floor((d + next) / 2)));
    });
  }
  const ranges = conds.flatMap((c) => c.ranges);
  if (ranges.length) singles.push(...ipRepresentatives(ranges));
  if (conds.some((c) => c.bools) || ALWAYS_PRESENT_BOOLEAN_KEYS.has(key)) singles.push('true', 'false');
  singles.push(...conds.flatMap((c) => c.literals));
  if (singles.length === 0) singles.push('example-value');
  // A witness reads best when it needs the fewest special circumstances: for an always-present
  // boolean such as aws:ViaAWSService, try the ordinary value ("false": a direct call) first.
  const values = ALWAYS_PRESENT_BOOLEAN_KEYS.has(key) ? unique(['false', ...singles]) : unique(singles);

  const candidates: Candidate[] = [];
  if (!ALWAYS_PRESENT_BOOLEAN_KEYS.has(key)) candidates.push({ values: {} });
  if (MULTIVALUED_KEYS.has(key)) {
    // A set value matters through which value cells it contains: all subsets when few.
    if (values.length <= 5) {
      for (let mask = 1; mask < 1 << values.length; mask++) {
        candidates.push({ values: { [key]: values.filter((_, i) => mask & (1 << i)) } });
      }
    } else {
      exact = false;
      for (const v of values) candidates.push({ values: { [key]: [v] } });
      candidates.push({ values: { [key]: values } });
    }
  } else {
    for (const v of values) candidates.push({ values: { [key]: v } });
  }
  return {
    name: `key:${key}`,
    candidates,
    exact,
    ...(exact
      ? {}
      : { inexactReason: `too many distinct values or patterns on ${key} to enumerate exactly` }),
  };
}
