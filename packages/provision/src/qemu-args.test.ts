import assert from "node:assert/strict";
import { test } from "node:test";
import { qemuArgs } from "./qemu-args.ts";
import { qemuCommand } from "./qemu-vm.ts";

const base = { disk: { path: "/w/a/disk.qcow2", format: "qcow2" as const }, vars: "/w/a/vars.fd" };

test("a tap VM: TCG, q35, OVMF, its overlay, config drive, its tap and MAC, memory and vCPUs", () => {
  const args = qemuArgs({
    ...base,
    configDrive: "/w/a/config.img",
    nic: { kind: "tap", ifname: "tap1", mac: "52:54:00:ba:00:01" },
    memoryMiB: 2048,
    cpus: 1,
  });
  const s = args.join(" ");
  assert.deepEqual(args.slice(0, 2), ["-accel", "tcg"]);
  assert.match(s, /-machine q35/);
  assert.match(s, /-m 2048 -smp 1/);
  assert.match(s, /if=pflash,format=raw,readonly=on,file=\/usr\/share\/OVMF\/OVMF_CODE\.fd/);
  assert.match(s, /if=pflash,format=raw,file=\/w\/a\/vars\.fd/);
  assert.match(
    s,
    /file=\/w\/a\/disk\.qcow2,format=qcow2,if=none,id=boot -device virtio-blk-pci,drive=boot,bootindex=0/,
  );
  assert.match(
    s,
    /file=\/w\/a\/config\.img,format=raw,if=none,id=config,readonly=on -device virtio-blk-pci,drive=config/,
  );
  assert.match(s, /-netdev tap,id=net0,ifname=tap1,script=no,downscript=no/);
  assert.match(s, /-device virtio-net-pci,netdev=net0,mac=52:54:00:ba:00:01/);
  assert.doesNotMatch(s, /kvm|-nic user/);
});

test("a user-network VM forwards one host port; defaults 1536 MiB and one vCPU", () => {
  const s = qemuArgs({
    ...base,
    disk: { path: "/w/disk.raw", format: "raw" },
    nic: { kind: "user", hostPort: 40001, guestPort: 50000 },
    noReboot: true,
  }).join(" ");
  assert.match(s, /-nic user,model=virtio-net-pci,hostfwd=tcp:127\.0\.0\.1:40001-:50000/);
  assert.match(s, /-m 1536 -smp 1/);
  assert.match(s, /-no-reboot/);
  assert.doesNotMatch(s, /config\.img/);
});

test("a restricted user network keeps the forward and adds restrict=on (the guest reaches nothing else)", () => {
  const s = qemuArgs({
    ...base,
    disk: { path: "/w/disk.raw", format: "raw" },
    nic: { kind: "user", hostPort: 40002, guestPort: 22, restrict: true },
  }).join(" ");
  assert.match(s, /-nic user,model=virtio-net-pci,restrict=on,hostfwd=tcp:127\.0\.0\.1:40002-:22/);
});

test("a VM's command: its exec prefix, then `nice -n N` only when asked, then qemu", () => {
  const o = { ...base, nic: { kind: "tap" as const, ifname: "tap1", mac: "52:54:00:ba:00:01" } };
  const exec = ["ip", "netns", "exec", "basalt-x"];
  const niced = qemuCommand({ ...o, exec, nice: 10 });
  assert.deepEqual(niced.slice(0, 8), [...exec, "nice", "-n", "10", "qemu-system-x86_64"]);
  assert.deepEqual(niced.slice(8), qemuArgs(o));
  assert.deepEqual(qemuCommand({ ...o, exec, nice: 0 }).slice(0, 5), [...exec, "qemu-system-x86_64"]);
  assert.equal(qemuCommand(o)[0], "qemu-system-x86_64");
});
