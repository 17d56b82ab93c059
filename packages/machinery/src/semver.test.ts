import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { compareVersions } from "./semver.ts";

test("prerelease versions compare by semver rules", () => {
  const ordered = [
    "1.0.0-alpha",
    "1.0.0-alpha.1",
    "1.0.0-alpha.beta",
    "1.0.0-beta",
    "1.0.0-beta.2",
    "1.0.0-beta.11",
    "1.0.0-rc.1",
    "1.0.0-rc.9",
    "1.0.0-rc.10",
    "1.0.0",
    "1.0.1",
    "1.10.0",
  ];
  for (let i = 0; i + 1 < ordered.length; i++) {
    assert.ok(compareVersions(ordered[i]!, ordered[i + 1]!) < 0, `${ordered[i]} < ${ordered[i + 1]}`);
    assert.ok(compareVersions(ordered[i + 1]!, ordered[i]!) > 0, `${ordered[i + 1]} > ${ordered[i]}`);
  }
  assert.ok(compareVersions("2.0.0-rc.10", "2.0.0-rc.9") > 0);
});

const identifier = fc.oneof(
  fc.nat({ max: 1000 }).map(String),
  fc.stringMatching(/^0[0-9]{1,2}$/),
  fc.stringMatching(/^[a-z][a-z0-9-]{0,5}$/),
);
const version = fc
  .record({
    core: fc.tuple(fc.nat({ max: 20 }), fc.nat({ max: 20 }), fc.nat({ max: 20 })),
    pre: fc.array(identifier, { maxLength: 3 }),
  })
  .map(({ core, pre }) => `${core.join(".")}${pre.length ? `-${pre.join(".")}` : ""}`);

test("property: compareVersions is a total order (antisymmetric, transitive, reflexive)", () => {
  fc.assert(
    fc.property(version, version, version, (a, b, c) => {
      const sign = (n: number) => Math.sign(n);
      assert.equal(sign(compareVersions(a, b)), -sign(compareVersions(b, a)));
      assert.equal(compareVersions(a, a), 0);
      if (compareVersions(a, b) <= 0 && compareVersions(b, c) <= 0) assert.ok(compareVersions(a, c) <= 0);
    }),
    { numRuns: 2000 },
  );
});
