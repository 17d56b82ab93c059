import assert from "node:assert/strict";
import { test } from "node:test";
import type { InterfaceConfig } from "@basalt/machinery";
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
  const files = new Map<string, string>([["/proc/cmdline", "console=ttyS0"]]);
  const mounted = new Set<string>(["/", "/dev", "/proc", "/sys"]);
  const devices: BlockDevice[] = [
    { name: "vda4", partName: "STATE" },
    ...(withDrive ? [{ name: "vdb", partName: "" }] : []),
  ];
  const heads = new Map<string, Buffer>([
    ["vda4", Buffer.alloc(65536)],
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
    readHead: (name) => heads.get(name)!,
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
    if (++sleeps === 2) m.devices.push({ name: "vdb", partName: "" });
  };
  const { source } = await runBoot(m.host, 1);
  assert.equal(source, "config drive BASALT-CONFIG");
  assert.equal(m.log.filter((l) => l.includes("no usable machine config")).length, 2);
});
