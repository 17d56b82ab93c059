/**
 * The Fetch standard's Headers (https://fetch.spec.whatwg.org/#headers-class) without its guards:
 * a header list with lower-case names, validated names and values, and iteration sorted by name
 * with values combined (Set-Cookie values kept apart).
 *
 * Why not Node's own: the global Headers is undici's, and the first use of it loads and compiles
 * all of undici (its fetch, HTTP/1 client and WebIDL layer). Connect builds a Headers for every
 * call's metadata, so that cost landed on each basaltctl run (~12 ms on a host CPU) and on a node's
 * first API call after boot (~0.3 s under emulation). The only well-known stand-alone
 * implementation on npm (headers-polyfill) validates names with a broken token check; this one
 * is checked against undici's class by light-headers.property.test.ts.
 */
type HeadersInit = ConstructorParameters<typeof Headers>[0];
type HeadersIterator<T> =
  ReturnType<Headers["entries"]> extends Iterator<unknown, infer R, infer N> ? Generator<T, R, N> : never;

export class LightHeaders implements Headers {
  // name (lower case) → its values in the order appended
  readonly #list = new Map<string, string[]>();

  constructor(init?: HeadersInit) {
    if (init === undefined || init === null) return;
    if (typeof init !== "object")
      throw new TypeError("Headers: init must be an object, a sequence of pairs or a Headers");
    if (Symbol.iterator in init) {
      for (const pair of init as Iterable<Iterable<string>>) {
        const p = [...pair];
        if (p.length !== 2)
          throw new TypeError("Headers: each header in a sequence must be a [name, value] pair");
        this.append(p[0]!, p[1]!);
      }
      return;
    }
    for (const name of Object.keys(init)) this.append(name, (init as Record<string, string>)[name]!);
  }

  append(name: string, value: string): void {
    const [n, v] = checked(name, value);
    const values = this.#list.get(n);
    if (values) values.push(v);
    else this.#list.set(n, [v]);
  }

  set(name: string, value: string): void {
    const [n, v] = checked(name, value);
    this.#list.set(n, [v]);
  }

  delete(name: string): void {
    this.#list.delete(checkedName(name));
  }

  get(name: string): string | null {
    return this.#list.get(checkedName(name))?.join(", ") ?? null;
  }

  getSetCookie(): string[] {
    return [...(this.#list.get("set-cookie") ?? [])];
  }

  has(name: string): boolean {
    return this.#list.has(checkedName(name));
  }

  forEach(callback: (value: string, name: string, parent: Headers) => void, thisArg?: unknown): void {
    for (const [name, value] of this.entries()) callback.call(thisArg, value, name, this);
  }

  *entries(): HeadersIterator<[string, string]> {
    for (const name of [...this.#list.keys()].sort(byCodeUnit)) {
      const values = this.#list.get(name);
      if (!values) continue; // deleted by the caller while iterating
      if (name === "set-cookie") for (const v of values) yield [name, v];
      else yield [name, values.join(", ")];
    }
  }

  *keys(): HeadersIterator<string> {
    for (const [name] of this.entries()) yield name;
  }

  *values(): HeadersIterator<string> {
    for (const [, value] of this.entries()) yield value;
  }

  [Symbol.iterator](): HeadersIterator<[string, string]> {
    return this.entries();
  }

  get [Symbol.toStringTag](): string {
    return "Headers";
  }
}

/**
 * Makes LightHeaders the global Headers for this process. Call it first thing in a program's entry,
 * before any Headers is made. Plain assignment: defining the property or reading its descriptor
 * would make Node load undici first.
 */
export function useLightHeaders(): void {
  globalThis.Headers = LightHeaders;
}

const byCodeUnit = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

// RFC 9110 token characters.
const token = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
// Leading and trailing HTTP whitespace (tab, LF, CR, space) is removed from values.
const edgeWhitespace = /^[\t\n\r ]+|[\t\n\r ]+$/g;

function checkedName(name: string): string {
  const n = String(name);
  if (!token.test(n)) throw new TypeError(`Headers: "${n}" is not a valid header name`);
  return n.toLowerCase();
}

function checked(name: string, value: string): [string, string] {
  const n = checkedName(name);
  const v = String(value);
  // A ByteString: every code unit fits in a byte.
  for (let i = 0; i < v.length; i++)
    if (v.charCodeAt(i) > 0xff) throw new TypeError(`Headers: the value of "${name}" is not a byte string`);
  const normalized = v.replace(edgeWhitespace, "");
  if (/[\0\r\n]/.test(normalized)) throw new TypeError(`Headers: the value of "${name}" holds NUL, CR or LF`);
  return [n, normalized];
}
