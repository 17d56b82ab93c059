import assert from "node:assert/strict";
import { test } from "node:test";
import { BasaltError } from "@basalt/machinery";
import type { DaemonContext } from "../daemon-context.ts";
import type { Host } from "../host.ts";
import type { ServiceSnapshot } from "../supervisor/service-runner.ts";
import { bootedBlessed } from "../update/slot-status.ts";
import type { UpdateSystem } from "../update/update-system.ts";
import { readNodeStatus, readRebootRequired, rebootRequiredPath } from "./node-status.ts";

/** A DaemonContext over files in memory and the given services (a unit-test double of the host). */
function context(files: Record<string, string>, services: Partial<ServiceSnapshot>[], update?: UpdateSystem) {
  const host = {
    readText: async (path: string) => {
      const text = files[path];
      if (text === undefined) throw Object.assign(new Error(`ENOENT: ${path}`), { code: "ENOENT" });
      return text;
    },
  } as unknown as Host;
  return {
    host,
    config: { node: { mode: update ? "init" : "agent" } },
    supervisor: { list: () => services as ServiceSnapshot[] },
    ...(update ? { update } : {}),
  } as unknown as DaemonContext;
}

const healthy: Partial<ServiceSnapshot> = {
  name: "containerd",
  state: "running",
  health: "healthy",
  healthMessage: "",
};

test("agent mode: boot ID, the OS's version, no slot, a pending reboot, healthy", async () => {
  const s = await readNodeStatus(
    context(
      {
        "/proc/sys/kernel/random/boot_id": "5f2c…-boot\n",
        "/etc/os-release": 'NAME="Debian GNU/Linux"\nVERSION_ID="12"\n',
        [rebootRequiredPath]: "*** System restart required ***\n",
      },
      [healthy],
    ),
  );
  assert.deepEqual(s, {
    bootId: "5f2c…-boot",
    bootedVersion: "12",
    bootedSlot: "",
    blessed: false,
    healthy: true,
    healthReasons: [],
    rebootRequired: true,
    kubeletVersion: "",
    mode: "agent",
    bootTimeline: [],
  });
});

test("unhealthy: every failed or unhealthy service is a reason; no reboot file, no reboot", async () => {
  const s = await readNodeStatus(
    context({ "/proc/sys/kernel/random/boot_id": "b\n" }, [
      healthy,
      { name: "kubelet", state: "failed", health: "unknown", healthMessage: "" },
      { name: "etcd", state: "running", health: "unhealthy", healthMessage: "connect ECONNREFUSED" },
    ]),
  );
  assert.equal(s.healthy, false);
  assert.equal(s.rebootRequired, false);
  assert.deepEqual(s.healthReasons, [
    { source: "service/kubelet", message: "failed/unknown" },
    { source: "service/etcd", message: "running/unhealthy: connect ECONNREFUSED" },
  ]);
});

test("init mode: the booted image's version and slot; not blessed when its entry is not on the ESP", async () => {
  const update = {
    booted: { slot: "B", version: "1.2.0", arch: "x86-64" },
    esp: { list: async () => [] },
  } as unknown as UpdateSystem;
  const s = await readNodeStatus(context({ "/proc/sys/kernel/random/boot_id": "b" }, [], update));
  assert.equal(s.bootedVersion, "1.2.0");
  assert.equal(s.bootedSlot, "B");
  assert.equal(s.blessed, false);
  assert.equal(s.mode, "init");
});

test("blessed: the booted entry is on the ESP without a tries counter", () => {
  const entry = (slot: "A" | "B", version: string, left?: number) =>
    ({
      slot,
      version,
      file: `basalt-${version}.efi`,
      done: 0,
      ...(left === undefined ? {} : { left }),
    }) as never;
  const booted = { slot: "A" as const, version: "1.1.0" };
  assert.equal(bootedBlessed([entry("A", "1.1.0")], booted), true);
  assert.equal(bootedBlessed([entry("A", "1.1.0", 2)], booted), false);
  assert.equal(bootedBlessed([entry("B", "1.1.0")], booted), false);
  assert.equal(bootedBlessed([], booted), false);
});

test("a reboot file basaltd cannot read is an error with the reason, never 'no reboot pending'", async () => {
  const host = {
    readText: async () => {
      throw Object.assign(new Error("EISDIR: illegal operation on a directory, read"), { code: "EISDIR" });
    },
  } as unknown as Host;
  await assert.rejects(readRebootRequired(host), (err: unknown) => {
    assert.ok(err instanceof BasaltError);
    assert.match(err.message, /cannot tell whether a reboot is pending: .*EISDIR/);
    return true;
  });
  const absent = { readText: async () => Promise.reject(Object.assign(new Error("x"), { code: "ENOENT" })) };
  assert.equal(await readRebootRequired(absent as unknown as Host), false);
});

test("a node that runs Kubernetes reports its kubelet's version once it is known", async () => {
  const ctx = context({ "/proc/sys/kernel/random/boot_id": "b\n" }, [healthy]);
  let known = "";
  ctx.kubelet = {
    get version() {
      return known;
    },
  } as DaemonContext["kubelet"];
  assert.equal((await readNodeStatus(ctx)).kubeletVersion, "");
  known = "v1.34.4";
  assert.equal((await readNodeStatus(ctx)).kubeletVersion, "v1.34.4");
});
