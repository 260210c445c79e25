// SCIM-style `filter`/`search` expressions (`profile.login eq "a@b.com" and status eq "ACTIVE"`), parsed into predicates.
import { invalidSearch } from './errors';

export type Operator = 'eq' | 'ne' | 'co' | 'sw' | 'ew' | 'pr' | 'gt' | 'ge' | 'lt' | 'le';
type Value = string | number | boolean | null;
type Node =
  | { kind: 'and' | 'or'; left: Node; right: Node }
  | { kind: 'not'; inner: Node }
  | { kind: 'cmp'; attr: string; op: Operator; value: Value };

export type Comparison = { attr: string; op: Operator };
export type Getter = (attr: string) => unknown;
export type Expression = { comparisons: Comparison[]; matches(get: Getter): boolean };

const OPERATORS = new Set<string>(['eq', 'ne', 'co', 'sw', 'ew', 'pr', 'gt', 'ge', 'lt', 'le']);
const MAX_LENGTH = 4096;

type Token = { type: 'word' | 'string' | 'lparen' | 'rparen'; text: string };

function tokenize(input: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < input.length) {
    const c = input[i] as string;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === '(') {
      tokens.push({ type: 'lparen', text: c });
      i++;
      continue;
    }
    if (c === ')') {
      tokens.push({ type: 'rparen', text: c });
      i++;
      continue;
    }
    if (c === '"') {
      let text = '';
      i++;
      while (i < input.length && input[i] !== '"') {
        if (input[i] === '\\' && i + 1 < input.length) i++;
        text += input[i];
        i++;
      }
      if (i >= input.length) throw invalidSearch('Unterminated string literal');
      i++;
      tokens.push({ type: 'string', text });
      continue;
    }
    const m = /^[^\s()"]+/.exec(input.slice(i));
    if (!m) throw invalidSearch(`Unexpected character ${c}`);
    tokens.push({ type: 'word', text: m[0] });
    i += m[0].length;
  }
  return tokens;
}

/** Parses an expression; throws 400 E0000031 on anything it can't read. */
export function parseExpression(input: string): Expression {
  if (input.length > MAX_LENGTH) throw invalidSearch('Expression too long');
  const tokens = tokenize(input);
  let pos = 0;
  const comparisons: Comparison[] = [];
  const peekWord = (): string | undefined => {
    const t = tokens[pos];
    return t?.type === 'word' ? t.text.toLowerCase() : undefined;
  };
  const parseOr = (depth: number): Node => {
    let left = parseAnd(depth);
    while (peekWord() === 'or') {
      pos++;
      left = { kind: 'or', left, right: parseAnd(depth) };
    }
    return left;
  };
  const parseAnd = (depth: number): Node => {
    let left = parseFactor(depth);
    while (peekWord() === 'and') {
      pos++;
      left = { kind: 'and', left, right: parseFactor(depth) };
    }
    return left;
  };
  const parseFactor = (depth: number): Node => {
    if (depth > 32) throw invalidSearch('Expression nested too deeply');
    const t = tokens[pos];
    if (!t) throw invalidSearch('Unexpected end of expression');
    if (t.type === 'lparen') {
      pos++;
      const inner = parseOr(depth + 1);
      if (tokens[pos]?.type !== 'rparen') throw invalidSearch('Missing )');
      pos++;
      return inner;
    }
    if (t.type === 'word' && t.text.toLowerCase() === 'not') {
      pos++;
      return { kind: 'not', inner: parseFactor(depth + 1) };
    }
    if (t.type !== 'word' || !/^[A-Za-z_][\w.:-]*$/.test(t.text)) throw invalidSearch(`Invalid attribute ${t.text}`);
    pos++;
    const opTok = tokens[pos];
    const op = opTok?.type === 'word' ? opTok.text.toLowerCase() : '';
    if (!OPERATORS.has(op)) throw invalidSearch(`Invalid operator ${opTok?.text ?? '(none)'}`);
    pos++;
    comparisons.push({ attr: t.text, op: op as Operator });
    if (op === 'pr') return { kind: 'cmp', attr: t.text, op: 'pr', value: null };
    const v = tokens[pos];
    if (!v || (v.type !== 'string' && v.type !== 'word')) throw invalidSearch('Missing value');
    pos++;
    return { kind: 'cmp', attr: t.text, op: op as Operator, value: literal(v) };
  };
  const root = parseOr(0);
  if (pos !== tokens.length) throw invalidSearch(`Unexpected ${tokens[pos]?.text ?? ''}`);
  return { comparisons, matches: (get) => evaluate(root, get) };
}

function literal(t: Token): Value {
  if (t.type === 'string') return t.text;
  const w = t.text.toLowerCase();
  if (w === 'true') return true;
  if (w === 'false') return false;
  if (w === 'null') return null;
  const n = Number(t.text);
  if (Number.isFinite(n)) return n;
  throw invalidSearch(`Invalid value ${t.text}`);
}

function evaluate(node: Node, get: Getter): boolean {
  switch (node.kind) {
    case 'and':
      return evaluate(node.left, get) && evaluate(node.right, get);
    case 'or':
      return evaluate(node.left, get) || evaluate(node.right, get);
    case 'not':
      return !evaluate(node.inner, get);
    case 'cmp':
      return compare(get(node.attr), node.op, node.value);
  }
}

function compare(actual: unknown, op: Operator, expected: Value): boolean {
  if (op === 'pr') return actual !== undefined && actual !== null && actual !== '';
  if (Array.isArray(actual)) return actual.some((a) => compare(a, op, expected));
  if (actual === undefined || actual === null)
    return op === 'ne' ? expected !== null : expected === null && op === 'eq';
  const a = typeof actual === 'string' ? actual.toLowerCase() : actual;
  const e = typeof expected === 'string' ? expected.toLowerCase() : expected;
  switch (op) {
    case 'eq':
      return a === e || String(a) === String(e);
    case 'ne':
      return !(a === e || String(a) === String(e));
    case 'co':
      return String(a).includes(String(e));
    case 'sw':
      return String(a).startsWith(String(e));
    case 'ew':
      return String(a).endsWith(String(e));
    case 'gt':
      return order(a, e) > 0;
    case 'ge':
      return order(a, e) >= 0;
    case 'lt':
      return order(a, e) < 0;
    case 'le':
      return order(a, e) <= 0;
  }
}

function order(a: unknown, e: unknown): number {
  if (typeof a === 'number' && typeof e === 'number') return a - e;
  const da = Date.parse(String(a));
  const de = Date.parse(String(e));
  if (!Number.isNaN(da) && !Number.isNaN(de)) return da - de;
  return String(a).localeCompare(String(e));
}

/** Reads a dotted attribute (`profile.login`, `target.id`) from a plain object; through arrays it yields every value. */
export function dotted(obj: unknown, attr: string): unknown {
  let cur: unknown = obj;
  for (const key of attr.split('.')) {
    if (Array.isArray(cur))
      cur = cur.map((item) => (item && typeof item === 'object' ? (item as Record<string, unknown>)[key] : undefined));
    else if (cur === null || typeof cur !== 'object') return undefined;
    else cur = (cur as Record<string, unknown>)[key];
  }
  return cur;
}
