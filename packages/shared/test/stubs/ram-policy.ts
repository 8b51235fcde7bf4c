/**
 * Just enough of RAM policy evaluation for the OSS stub to enforce an STS session policy the way
 * OSS does: default deny, Allow statements matched on Action and Resource (with `*` wildcards)
 * and the StringEquals / StringLike conditions on `oss:Prefix`; an explicit Deny wins.
 */
interface Statement {
  Effect: 'Allow' | 'Deny';
  Action: string | string[];
  Resource: string | string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}

function wildcard(pattern: string, value: string): boolean {
  const re = new RegExp(`^${pattern.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
  return re.test(value);
}

const list = (v: string | string[]) => (Array.isArray(v) ? v : [v]);

function conditionsHold(cond: Statement['Condition'], context: Record<string, string | undefined>): boolean {
  if (!cond) return true;
  for (const [op, entries] of Object.entries(cond)) {
    for (const [key, expected] of Object.entries(entries)) {
      const actual = context[key];
      if (actual === undefined) return false;
      const values = list(expected);
      if (op === 'StringEquals' && !values.includes(actual)) return false;
      if (op === 'StringLike' && !values.some((v) => wildcard(v, actual))) return false;
      if (op !== 'StringEquals' && op !== 'StringLike') return false;
    }
  }
  return true;
}

export function policyAllows(
  policy: Record<string, unknown> | undefined,
  action: string,
  resource: string,
  context: Record<string, string | undefined> = {},
): boolean {
  if (!policy) return true; // no session policy: the role's own permissions apply (all, in the stub)
  const statements = (policy.Statement ?? []) as Statement[];
  const matches = (s: Statement) =>
    list(s.Action).some((a) => wildcard(a, action)) &&
    list(s.Resource).some((r) => wildcard(r, resource)) &&
    conditionsHold(s.Condition, context);
  if (statements.some((s) => s.Effect === 'Deny' && matches(s))) return false;
  return statements.some((s) => s.Effect === 'Allow' && matches(s));
}
