import assert from "node:assert/strict";
import { test } from "node:test";
import { classifyPath, rebootNeeded } from "./live-fields.ts";

test("what changes live and what needs a reboot", () => {
  for (const p of [
    "node.labels.zone",
    "services.web",
    "services.web.command",
    "logging.maxBytes",
    "files.allow",
    "update.trustedKeys",
    "api.ca",
    "api.cert",
    "api.key",
    "api.revokedSerials",
    "power.allowInAgentMode",
  ])
    assert.equal(classifyPath(p).live, true, p);
  for (const p of [
    "node.name",
    "api.listen",
    "api.limits.calls",
    "network",
    "network.hostname",
    "paths.logs",
    "kubernetes.kubelet.maxPods",
    "update.healthDeadlineSeconds",
  ])
    assert.equal(classifyPath(p).live, false, p);
  // A prefix must match a whole segment: node.labelsX is not a label.
  assert.equal(classifyPath("node.labelsX").live, false);
  assert.equal(classifyPath("unknown.field").reason, "read only at start");
});

test("rebootNeeded lists each blocking field with its reason", () => {
  assert.deepEqual(
    rebootNeeded([
      { path: "node.labels.a", kind: "added" },
      { path: "api.listen", kind: "changed" },
    ]),
    [{ path: "api.listen", reason: "the API listens once, at start" }],
  );
  assert.deepEqual(rebootNeeded([]), []);
});

test("init mode changes its network live; agent mode does not manage it", () => {
  assert.equal(classifyPath("network.interfaces", { initMode: true }).live, true);
  assert.equal(classifyPath("network.hostname", { initMode: true }).live, true);
  assert.equal(classifyPath("network.interfaces").live, false);
  assert.match(classifyPath("network").reason, /agent mode/);
  assert.deepEqual(rebootNeeded([{ path: "network", kind: "added" }], { initMode: true }), []);
});
