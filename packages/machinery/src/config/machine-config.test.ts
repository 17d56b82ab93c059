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

test("containers: containerd's default socket and snapshotter; a relative socket is refused", () => {
  const c = parseMachineConfig(valid);
  assert.deepEqual(c.containers, { socket: "/run/containerd/containerd.sock", snapshotter: "overlayfs" });
  assert.throws(
    () => parseMachineConfig(`${valid}\ncontainers: { socket: run/containerd.sock }\n`),
    /containers\.socket/,
  );
});
