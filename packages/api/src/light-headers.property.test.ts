import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { LightHeaders } from "./light-headers.ts";

// Node's global Headers (undici's) is the reference: the test never calls useLightHeaders.
const Reference = globalThis.Headers;

const name = fc.oneof(
  fc.constantFrom(
    "content-type",
    "Content-Type",
    "set-cookie",
    "Set-Cookie",
    "grpc-status",
    "x-a",
    "X-A",
    "a b",
    "",
    "é",
    "x:y",
  ),
  fc.string({ unit: fc.constantFrom("a", "B", "-", "_", "1", "!", "~", " ", ":", "\u00e9"), maxLength: 5 }),
);
const value = fc.oneof(
  fc.constantFrom("", " a ", "\tb\t", "a, b", "x\r\ny", "nul\0", "\u00ff", "\u0100", "v"),
  fc.string({ unit: fc.constantFrom("a", " ", "\t", ",", "=", ";", "\r", "\n", "\u00e9"), maxLength: 6 }),
);
const op = fc.oneof(
  fc.tuple(fc.constant("append" as const), name, value),
  fc.tuple(fc.constant("set" as const), name, value),
  fc.tuple(fc.constant("delete" as const), name),
  fc.tuple(fc.constant("get" as const), name),
  fc.tuple(fc.constant("has" as const), name),
);

type Op = [string, ...string[]];
/** Applies `ops`, recording each result (or that it threw a TypeError), then every way of reading. */
function run(make: () => Headers, ops: Op[]): unknown[] {
  const h = make();
  const out: unknown[] = [];
  for (const [m, ...args] of ops) {
    try {
      out.push((h as unknown as Record<string, (...a: string[]) => unknown>)[m]!(...args) ?? "void");
    } catch (err) {
      out.push(err instanceof TypeError ? "TypeError" : err);
    }
  }
  const each: [string, string][] = [];
  h.forEach((v, k) => {
    each.push([k, v]);
  });
  out.push([...h], [...h.keys()], [...h.values()], each, h.getSetCookie());
  return out;
}

test("any sequence of calls gives what undici's Headers gives", () => {
  fc.assert(
    fc.property(fc.array(op, { maxLength: 25 }), (ops) => {
      assert.deepEqual(
        run(() => new LightHeaders(), ops as Op[]),
        run(() => new Reference(), ops as Op[]),
      );
    }),
    { numRuns: 2000 },
  );
});

test("it is built from the same inits, or refuses the same ones", () => {
  const inits = fc.oneof(
    fc.array(fc.tuple(name, value), { maxLength: 6 }),
    fc.dictionary(name, value, { maxKeys: 6 }),
    fc.array(fc.array(value, { maxLength: 3 }), { maxLength: 3 }),
  );
  const build = (C: new (i?: ConstructorParameters<typeof Headers>[0]) => Headers, init: unknown) => {
    try {
      return [...new C(init as ConstructorParameters<typeof Headers>[0])];
    } catch (err) {
      return err instanceof TypeError ? "TypeError" : err;
    }
  };
  fc.assert(
    fc.property(inits, (init) => {
      assert.deepEqual(build(LightHeaders, init), build(Reference, init));
    }),
    { numRuns: 2000 },
  );
  const source = new LightHeaders([
    ["a", "1"],
    ["set-cookie", "x=1"],
    ["set-cookie", "y=2"],
  ]);
  assert.deepEqual([...new LightHeaders(source)], [...new Reference([...source])]);
  assert.equal(Object.prototype.toString.call(source), "[object Headers]");
});
