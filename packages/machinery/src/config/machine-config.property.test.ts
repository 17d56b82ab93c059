import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { stringify } from "yaml";
import { BasaltError } from "../errors.ts";
import { isIpv4Cidr, parseMachineConfig } from "./machine-config.ts";

const pem = "-----BEGIN X-----\nAA==\n-----END X-----\n";
const base = {
  apiVersion: "basalt.dev/v1alpha1",
  kind: "MachineConfig",
  node: { name: "a" },
  api: { listen: "127.0.0.2:50000", ca: pem, cert: pem, key: pem },
};

test("property: any text either parses or fails with a BasaltError listing the problem", () => {
  fc.assert(
    fc.property(
      fc.oneof(fc.string({ maxLength: 300 }), fc.string({ unit: "binary", maxLength: 300 })),
      (text) => {
        try {
          parseMachineConfig(text);
        } catch (err) {
          assert.ok(err instanceof BasaltError, String(err));
        }
      },
    ),
    { numRuns: 2000 },
  );
});

test("property: any shape of config document fails cleanly or parses to a valid config", () => {
  const value = fc.anything({ maxDepth: 3 });
  fc.assert(
    fc.property(
      fc.dictionary(
        fc.constantFrom("network", "services", "logging", "files", "update", "power", "paths", "x"),
        value,
      ),
      (extra) => {
        try {
          const c = parseMachineConfig(stringify({ ...base, ...extra }));
          assert.equal(c.node.name, "a");
        } catch (err) {
          assert.ok(err instanceof BasaltError, String(err));
        }
      },
    ),
    { numRuns: 1000 },
  );
});

test("property: interface addresses are accepted exactly when they are valid IPv4 CIDRs", () => {
  const octet = fc.oneof(
    fc.nat({ max: 255 }).map(String),
    fc.nat({ max: 999 }).map(String),
    fc.constantFrom("01", "", "-1", "1e2"),
  );
  const cidr = fc
    .tuple(
      fc.array(octet, { minLength: 3, maxLength: 5 }),
      fc.oneof(fc.nat({ max: 40 }).map(String), fc.constantFrom("", "08", "x")),
    )
    .map(([o, p]) => `${o.join(".")}/${p}`);
  fc.assert(
    fc.property(cidr, (address) => {
      const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)\/(\d+)$/.exec(address);
      const valid =
        !!m &&
        m.slice(1, 5).every((o) => String(Number(o)) === o && Number(o) <= 255) &&
        String(Number(m[5])) === m[5] &&
        Number(m[5]) <= 32;
      assert.equal(isIpv4Cidr(address), valid, address);
      const doc = stringify({
        ...base,
        network: { hostname: "h", interfaces: [{ name: "eth0", addresses: [address] }] },
      });
      if (valid) assert.deepEqual(parseMachineConfig(doc).network?.interfaces[0]?.addresses, [address]);
      else assert.throws(() => parseMachineConfig(doc), /network\.interfaces\.0\.addresses\.0/);
    }),
    { numRuns: 3000 },
  );
});
