import assert from "node:assert/strict";
import { test } from "node:test";
import type { ServiceSnapshot } from "../supervisor/service-runner.ts";
import { nodeHealth } from "./node-health.ts";

const svc = (
  name: string,
  state: ServiceSnapshot["state"],
  health: ServiceSnapshot["health"],
  healthMessage = "",
): ServiceSnapshot => ({
  name,
  state,
  health,
  healthMessage,
  pid: 1,
  restarts: 0,
  since: new Date(),
  events: [],
});

test("a Kubernetes node is healthy only once containerd and kubelet are", () => {
  const gates = ["containerd", "kubelet"];
  const cases: [ServiceSnapshot[], boolean, RegExp][] = [
    [
      [svc("containerd", "running", "healthy"), svc("kubelet", "running", "healthy")],
      true,
      /containerd and kubelet healthy/,
    ],
    [
      [
        svc("containerd", "running", "healthy"),
        svc("kubelet", "running", "unhealthy", "http://127.0.0.1:10248/healthz: fetch failed"),
      ],
      false,
      /kubelet is unhealthy \(http:\/\/127\.0\.0\.1:10248\/healthz: fetch failed\)/,
    ],
    [
      [svc("containerd", "running", "healthy"), svc("kubelet", "backoff", "unknown")],
      false,
      /kubelet is backoff/,
    ],
    [
      [svc("containerd", "stopped", "unknown"), svc("kubelet", "running", "healthy")],
      false,
      /containerd is stopped/,
    ],
    [[svc("containerd", "running", "healthy")], false, /kubelet is missing/],
  ];
  for (const [services, healthy, reason] of cases) {
    const v = nodeHealth(services, [], "console=ttyS0", gates);
    assert.equal(v.healthy, healthy, v.reason);
    assert.match(v.reason, reason);
  }
});

test("without gates (no kubernetes section) non-autostart services do not count; the fault switch still wins", () => {
  assert.equal(nodeHealth([svc("kubelet", "stopped", "unknown")], [], "").healthy, true);
  const v = nodeHealth(
    [svc("containerd", "running", "healthy"), svc("kubelet", "running", "healthy")],
    [],
    "basalt.health=fail",
    ["kubelet"],
  );
  assert.equal(v.healthy, false);
  assert.match(v.reason, /forced unhealthy/);
});
