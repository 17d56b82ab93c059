import assert from "node:assert/strict";
import { test } from "node:test";
import { machineConfigSchema } from "@basalt/machinery";
import { powerDecision } from "./lifecycle-handler.ts";

const pem = "-----BEGIN X-----\nAA==\n-----END X-----\n";
const agent = (power: Record<string, boolean> = {}) =>
  machineConfigSchema.parse({
    apiVersion: "basalt.dev/v1alpha1",
    kind: "MachineConfig",
    node: { name: "n", mode: "agent" },
    api: { listen: "127.0.0.2:50000", ca: pem, cert: pem, key: pem },
    power,
  });

test("agent mode, default config: a reboot the OS asks for is allowed, nothing else is", () => {
  assert.equal(powerDecision(agent(), "reboot", true).allowed, true);
  assert.match(powerDecision(agent(), "reboot", true).reason, /OS asks for one/);
  const none = powerDecision(agent(), "reboot", false);
  assert.equal(none.allowed, false);
  assert.match(none.reason, /asks for no reboot/);
  assert.equal(powerDecision(agent(), "poweroff", true).allowed, false);
});

test("agent mode: rebootWhenPending false refuses even a pending reboot; allowInAgentMode allows all", () => {
  assert.equal(powerDecision(agent({ rebootWhenPending: false }), "reboot", true).allowed, false);
  assert.equal(powerDecision(agent({ allowInAgentMode: true }), "poweroff", false).allowed, true);
  assert.equal(powerDecision(agent({ allowInAgentMode: true }), "reboot", false).allowed, true);
});
