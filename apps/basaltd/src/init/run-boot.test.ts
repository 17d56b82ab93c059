import assert from "node:assert/strict";
import { test } from "node:test";
import { basaltPartitions, type InterfaceConfig } from "@basalt/machinery";
import type { BlockDevice, InitHost } from "./init-host.ts";
import { runBoot } from "./run-boot.ts";

const config = `apiVersion: basalt.dev/v1alpha1
kind: MachineConfig
node: {name: n1, mode: init}
api: {listen: "0.0.0.0:50000", ca: "-----BEGIN CERTIFICATE-----", cert: "-----BEGIN CERTIFICATE-----", key: "-----BEGIN PRIVATE KEY-----"}
network: {hostname: n1, interfaces: [{name: eth0, addresses: [10.0.2.15/24], routes: [{to: default, via: 10.0.2.2}]}]}
`;

function extHead(label: string): Buffer {
  const b = Buffer.alloc(65536);
  b.writeUInt16LE(0xef53, 1080);
  b.write(label, 1144, "latin1");
  return b;
}

/** An in-memory machine: a blank STATE and, optionally, a config drive. */
function fakeHost(withDrive: boolean) {
  const files = new Map<string, string>([
    ["/proc/cmdline", `console=ttyS0 basalt.root=PARTUUID=${basaltPartitions["ROOT-A"].guid}`],
  ]);
  const mounted = new Set<string>(["/", "/dev", "/proc", "/sys"]);
  const part = (name: string, role: keyof typeof basaltPartitions): BlockDevice => ({
    name,
    partName: role,
    disk: "vda",
    partUuid: basaltPartitions[role].guid,
    partType: basaltPartitions[role].type,
  });
  const devices: BlockDevice[] = [
    // A stranger's disk, enumerated first: its partitions are named like ours but are not ours.
    {
      name: "sda1",
      partName: "STATE",
      disk: "sda",
      partUuid: "0f0e0d0c-0b0a-4908-8706-050403020100",
      partType: basaltPartitions.STATE.type,
    },
    {
      name: "sda2",
      partName: "ROOT-B",
      disk: "sda",
      partUuid: "1f0e0d0c-0b0a-4908-8706-050403020100",
      partType: basaltPartitions["ROOT-B"].type,
    },
    part("vda2", "ROOT-A"),
    part("vda4", "STATE"),
    ...(withDrive ? [{ name: "vdb", partName: "", disk: "", partUuid: "", partType: "" }] : []),
  ];
  const heads = new Map<string, Buffer>([
    ["vda4", Buffer.alloc(65536)],
    ["sda1", extHead("STATE")],
    ["vdb", extHead("BASALT-CONFIG")],
  ]);
  const log: string[] = [];
  const ran: string[] = [];
  const ifaces: InterfaceConfig[] = [];
  let hostname = "";
  const host: InitHost = {
    console: (l) => void log.push(l),
    mountedTargets: () => new Set(mounted),
    async mount(source, target) {
      mounted.add(target);
      if (source === "/dev/vdb") files.set(`${target}/config.yaml`, config);
    },
    async umount(target) {
      mounted.delete(target);
      files.delete(`${target}/config.yaml`);
    },
    mkdirp: () => {},
    exists: (p) => p !== "/sys/firmware/efi",
    blockDevices: () => devices,
    readHead: (name) => heads.get(name) ?? Buffer.alloc(65536),
    readText: (p) => files.get(p),
    writePrivate: (p, t) => void files.set(p, t),
    writeText: (p, t) => void files.set(p, t),
    async run(program, args) {
      ran.push([program, ...args].join(" "));
      heads.set("vda4", extHead("STATE"));
    },
    async sethostname(n) {
      hostname = n;
    },
    async configureInterface(i) {
      ifaces.push(i);
    },
    sleep: async () => {},
  };
  return { host, log, ran, files, mounted, ifaces, hostname: () => hostname, devices };
}

test("first boot: formats STATE, reads the config drive, keeps the config, sets up the network", async () => {
  const m = fakeHost(true);
  const { config: c, source } = await runBoot(m.host);
  assert.equal(c.node.name, "n1");
  assert.equal(source, "config drive BASALT-CONFIG");
  assert.deepEqual(m.ran, ["/usr/sbin/mkfs.ext4 -q -F -L STATE /dev/vda4"]);
  assert.ok(m.mounted.has("/var") && m.mounted.has("/run") && m.mounted.has("/sys/fs/cgroup"));
  assert.ok(!m.mounted.has("/run/basalt/config-drive"));
  assert.equal(m.files.get("/var/lib/basalt/machine-config.yaml"), config);
  assert.equal(m.hostname(), "n1");
  assert.deepEqual(
    m.ifaces.map((i) => i.name),
    ["lo", "eth0"],
  );
});

test("no config: says so and keeps looking instead of failing", async () => {
  const m = fakeHost(false);
  let sleeps = 0;
  m.host.sleep = async () => {
    if (++sleeps === 2) m.devices.push({ name: "vdb", partName: "", disk: "", partUuid: "", partType: "" });
  };
  const { source } = await runBoot(m.host, 1);
  assert.equal(source, "config drive BASALT-CONFIG");
  assert.equal(m.log.filter((l) => l.includes("no usable machine config")).length, 2);
});

test("a cloned Basalt disk next to the boot disk: STATE is refused, naming both disks", async () => {
  const m = fakeHost(true);
  const clone = m.devices
    .filter((d) => d.disk === "vda")
    .map((d) => ({ ...d, name: d.name.replace("vda", "vdc"), disk: "vdc" }));
  m.devices.push(...clone);
  await assert.rejects(runBoot(m.host), /disks vda and vdc both carry the booted root's PARTUUID/);
  assert.deepEqual(m.ran, [], "nothing was formatted");
});
