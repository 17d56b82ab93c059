import assert from "node:assert/strict";
import { test } from "node:test";
import { BasaltError } from "../errors.ts";
import { parseMachineConfig } from "./machine-config.ts";

const pemStub = "-----BEGIN X-----\nAA==\n-----END X-----\n";
const valid = `
apiVersion: basalt.dev/v1alpha1
kind: MachineConfig
node: { name: a }
api: { listen: "127.0.0.2:50000", ca: "${pemStub.replaceAll("\n", "\\n")}", cert: "${pemStub.replaceAll("\n", "\\n")}", key: "${pemStub.replaceAll("\n", "\\n")}" }
`;

test("a minimal config gets its defaults", () => {
  const c = parseMachineConfig(valid);
  assert.equal(c.node.mode, "agent");
  assert.equal(c.power.allowInAgentMode, false);
  assert.equal(c.paths.logs, "/var/log/basalt");
  assert.deepEqual(c.services, []);
});

test("every problem is listed by its path", () => {
  const bad = `${valid}\nnetwork: { hostname: 42 }\nservices: [{ name: "Bad Name", command: [] }]\nbogus: 1\n`;
  assert.throws(
    () => parseMachineConfig(bad),
    (err: unknown) => {
      assert.ok(err instanceof BasaltError);
      assert.equal(err.code, "invalid_argument");
      assert.match(err.message, /network\.hostname: expected string/);
      assert.match(err.message, /services\.0\.name: expected a lowercase name/);
      assert.match(err.message, /services\.0\.command: expected the program/);
      assert.match(err.message, /bogus/);
      return true;
    },
  );
});

test("duplicate service names are refused", () => {
  const dup = `${valid}\nservices: [{ name: a, command: [x] }, { name: a, command: [y] }]\n`;
  assert.throws(() => parseMachineConfig(dup), /services\.1\.name: duplicate service "a"/);
});

test("YAML syntax errors are reported as such", () => {
  assert.throws(() => parseMachineConfig("a: [1,"), /not valid YAML/);
});

test("invalid addresses and prefixes are refused before they reach a boot", () => {
  for (const cidr of [
    "999.1.1.1/40",
    "10.0.2.15/33",
    "10.0.2/24",
    "1.2.3.4/-1",
    "01.2.3.4/24",
    "1.2.3.4",
    "a.b.c.d/8",
  ]) {
    const cfg = `${valid}\nnetwork: { hostname: h, interfaces: [{ name: eth0, addresses: ["${cidr}"] }] }\n`;
    assert.throws(
      () => parseMachineConfig(cfg),
      /network\.interfaces\.0\.addresses\.0: expected an IPv4 address/,
      cidr,
    );
  }
  const route = `${valid}\nnetwork: { hostname: h, interfaces: [{ name: eth0, routes: [{ to: "10.0.0.0/99", via: 10.0.0.1 }] }] }\n`;
  assert.throws(() => parseMachineConfig(route), /routes\.0\.to/);
  const ok = `${valid}\nnetwork: { hostname: h, interfaces: [{ name: eth0, addresses: ["10.0.2.15/24", "0.0.0.0/0", "255.255.255.255/32"] }] }\n`;
  assert.equal(parseMachineConfig(ok).network?.interfaces[0]?.addresses.length, 3);
});

test("logging.maxBytes has an upper bound", () => {
  assert.throws(
    () => parseMachineConfig(`${valid}\nlogging: { maxBytes: 1099511627776 }\n`),
    /logging\.maxBytes: expected at most/,
  );
  assert.equal(parseMachineConfig(`${valid}\nlogging: { maxBytes: 1048576 }\n`).logging.maxBytes, 1048576);
});

test("containers: containerd's default socket and snapshotter; a relative socket is refused", () => {
  const c = parseMachineConfig(valid);
  assert.deepEqual(c.containers, { socket: "/run/containerd/containerd.sock", snapshotter: "overlayfs" });
  assert.throws(
    () => parseMachineConfig(`${valid}\ncontainers: { socket: run/containerd.sock }\n`),
    /containers\.socket/,
  );
});
