import assert from "node:assert/strict";
import { test } from "node:test";
import { authorizationTable, authorize } from "./authorization.ts";
import { allServices } from "./services.ts";

const procedures = allServices.flatMap((s) => s.methods.map((m) => `${s.typeName}/${m.name}`));

test("every RPC has an authorization rule", () => {
  const missing = procedures.filter((p) => !(p in authorizationTable));
  assert.deepEqual(missing, [], `RPCs without a rule: ${missing.join(", ")}`);
});

test("every rule names an RPC that exists", () => {
  const stale = Object.keys(authorizationTable).filter((p) => !procedures.includes(p));
  assert.deepEqual(stale, [], `rules without an RPC: ${stale.join(", ")}`);
});

test("every rule allows admins", () => {
  for (const [p, allowed] of Object.entries(authorizationTable)) assert.ok(allowed.includes("os:admin"), p);
});

test("decisions carry their reason and the roles needed", () => {
  const denied = authorize("basalt.machine.v1.SupervisorService/ServiceStop", ["os:reader"]);
  assert.equal(denied.allowed, false);
  assert.ok(!denied.allowed && denied.needed.includes("os:operator"));
  assert.match(denied.reason, /needs one of os:admin, os:operator; the client certificate has os:reader/);
  assert.equal(authorize("basalt.machine.v1.NodeService/Version", ["os:reader"]).allowed, true);
  assert.equal(authorize("basalt.machine.v1.LifecycleService/Shutdown", ["os:operator"]).allowed, false);
  assert.equal(authorize("nope/Nope", ["os:admin"]).allowed, false);
});

test("os:upgrader may upgrade, roll back, reboot and read version and status — nothing else", () => {
  const may = [
    "NodeService/Version",
    "NodeService/NodeStatus",
    "LifecycleService/Reboot",
    "UpgradeService/Upgrade",
    "UpgradeService/UpgradeUpload",
    "UpgradeService/Rollback",
    "UpgradeService/UpgradeStatus",
  ].map((p) => `basalt.machine.v1.${p}`);
  const allowed = Object.entries(authorizationTable)
    .filter(([, roles]) => roles.includes("os:upgrader"))
    .map(([p]) => p)
    .sort();
  assert.deepEqual(allowed, [...may].sort());
  for (const p of ["LifecycleService/Shutdown", "FileService/Read", "FileService/List", "LogService/Logs"]) {
    const d = authorize(`basalt.machine.v1.${p}`, ["os:upgrader"]);
    assert.equal(d.allowed, false, p);
  }
});
