import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { diffConfigs, lineDiff, showChange } from "./config-diff.ts";

test("changed leaves by dotted path; services keyed by name", () => {
  const before = { node: { name: "a", labels: { zone: "a" } }, services: [{ name: "web", command: ["/w"] }] };
  const after = {
    node: { name: "a", labels: { zone: "b", tier: "1" } },
    services: [
      { name: "web", command: ["/w", "--x"] },
      { name: "db", command: ["/d"] },
    ],
  };
  assert.deepEqual(
    diffConfigs(before, after).map((c) => `${c.kind} ${c.path}`),
    [
      "changed node.labels.zone",
      "added node.labels.tier",
      "changed services.web.command",
      "added services.db",
    ],
  );
  assert.deepEqual(
    diffConfigs({ services: [] }, { services: [{ name: "t", command: ["/t"] }] }).map((c) => c.path),
    ["services.t"],
  );
  assert.deepEqual(diffConfigs(before, before), []);
  assert.deepEqual(
    diffConfigs({ files: { allow: ["/a"] } }, { files: { allow: ["/a", "/b"] } }).map((c) => c.path),
    ["files.allow"],
  );
});

test("secret values are never shown", () => {
  const [change] = diffConfigs({ api: { key: "OLD KEY" } }, { api: { key: "NEW KEY" } });
  const shown = showChange(change!);
  assert.equal(shown.path, "api.key");
  assert.equal(shown.before, '"<redacted>"');
  assert.doesNotMatch(JSON.stringify(shown), /KEY/);
});

test("a section added whole shows none of the secrets inside it", () => {
  const controlPlane = {
    caKey: "CA PRIVATE",
    etcdCA: { cert: "C", key: "ETCD PRIVATE" },
    podCIDR: "10.244.0.0/16",
  };
  const changes = diffConfigs(
    { kubernetes: { role: "worker" } },
    { kubernetes: { role: "controlplane", controlPlane } },
  ).map(showChange);
  assert.deepEqual(
    changes.map((c) => c.path),
    ["kubernetes.role", "kubernetes.controlPlane"],
  );
  assert.doesNotMatch(JSON.stringify(changes), /PRIVATE/);
  const [token] = diffConfigs({}, { kubernetes: { bootstrapToken: "abcdef.0123456789abcdef" } }).map(
    showChange,
  );
  assert.doesNotMatch(JSON.stringify(token), /0123456789abcdef/);
});

test("line diff: removals before additions, context around changes, hunks apart", () => {
  const a = ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j"].join("\n");
  const b = ["a", "B", "c", "d", "e", "f", "g", "h", "i", "J"].join("\n");
  assert.equal(lineDiff(a, b, 1), ["  a", "- b", "+ B", "  c", "@@", "  i", "- j", "+ J"].join("\n"));
  assert.equal(lineDiff(a, a), "");
});

test("line diff keeps every line of both texts (property)", () => {
  fc.assert(
    fc.property(
      fc.array(fc.constantFrom("x", "y", "z"), { maxLength: 30 }),
      fc.array(fc.constantFrom("x", "y", "z"), { maxLength: 30 }),
      (a, b) => {
        const out = lineDiff(a.join("\n"), b.join("\n"), 10_000).split("\n");
        const old = out.filter((l) => !l.startsWith("+")).map((l) => l.slice(2));
        const neu = out.filter((l) => !l.startsWith("-")).map((l) => l.slice(2));
        if (a.join("\n") === b.join("\n")) return true;
        assert.deepEqual(old, a.join("\n").split("\n"));
        assert.deepEqual(neu, b.join("\n").split("\n"));
        return true;
      },
    ),
  );
});

test("very long texts get a summary, not a quadratic table", () => {
  const long = Array.from({ length: 3000 }, (_, i) => `l${i}`).join("\n");
  assert.match(lineDiff(long, `${long}\nmore`), /too long for a line diff/);
});
