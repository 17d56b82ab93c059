import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { parse } from "yaml";
import { cachedImage } from "./support/cached-image.ts";
import { freePort, startVm, type Vm } from "./support/qemu-vm.ts";
import { ctl, makeConfigDrive, makeVmConfig } from "./support/vm-config.ts";

/**
 * The OS image end to end: build (cached by input hash), boot under qemu (TCG, OVMF, virtio, user
 * networking with the API forwarded to 127.0.0.1), and manage the node only through basaltctl.
 */
const bootTimeoutMs = 300_000;

async function waitForApi(endpoint: string, env: Record<string, string>, timeoutMs: number): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return ctl(["version", "-o", "json", "-e", endpoint], env);
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
}

interface Answer {
  node: string;
  // biome-ignore lint/suspicious/noExplicitAny: protobuf JSON of several response types, checked field by field
  value: any;
}
interface MountJson {
  source: string;
  target: string;
  fstype: string;
  readOnly?: boolean;
}
interface PartitionJson {
  name: string;
  firstSector: number;
}

const json = (out: string): Answer[] =>
  out
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as Answer);

describe("Basalt image under qemu", { timeout: 1_800_000 }, () => {
  let work: string;
  let image: string;
  let manifest: { rootfs: { entries: number }; partitions: PartitionJson[] };
  let vm: Vm | undefined;
  let port: number;
  let env: Record<string, string>;
  let endpoint: string;
  let configDrive: string;

  before(async () => {
    work = mkdtempSync(join(tmpdir(), "basalt-e2e-"));
    image = (await cachedImage((l) => console.log(`  imager ${l}`))).dir;
    manifest = JSON.parse(readFileSync(join(image, "manifest.json"), "utf8"));
    port = await freePort();
    endpoint = `127.0.0.1:${port}`;
    const cfg = makeVmConfig(join(work, "pki"), port);
    env = { BASALTCONFIG: cfg.clientConfig };
    configDrive = join(work, "config.img");
    makeConfigDrive(cfg.machineConfig, configDrive);
    execFileSync("cp", ["--sparse=always", join(image, "disk.raw"), join(work, "disk.raw")]);
  });

  after(() => {
    vm?.kill();
    if (work && !process.env.BASALT_E2E_KEEP) rmSync(work, { recursive: true, force: true });
  });

  test("the root filesystem holds no shell, package manager or sshd", () => {
    const list = readFileSync(join(image, "rootfs.files"), "utf8");
    for (const bad of [
      "/usr/bin/sh",
      "/bin/sh",
      "/usr/bin/bash",
      "/usr/bin/busybox",
      "/usr/bin/dpkg",
      "/usr/bin/apt",
      "/usr/sbin/sshd",
    ]) {
      assert.ok(!list.includes(` ${bad}\n`), `${bad} is in the root`);
    }
    assert.match(list, / \/usr\/bin\/node\n/);
    assert.ok(manifest.rootfs.entries > 100);
  });

  test("boots to the API: init mode, slot A, as configured from the config drive", async () => {
    vm = startVm({
      disk: join(work, "disk.raw"),
      vars: join(work, "vars.fd"),
      configDrive,
      hostPort: port,
      consoleLog: join(work, "console-1.log"),
    });
    await vm.waitForConsole(/health: ready/, bootTimeoutMs);
    const [v] = json(await waitForApi(endpoint, env, 60_000));
    assert.equal(v!.value.mode, "init");
    assert.equal(v!.value.bootedSlot, "A");
    assert.equal(v!.value.osName, "Basalt");
    assert.match(vm.console(), /\[state\] \/dev\/vda4 on \/var \(formatted\)/);
    assert.match(vm.console(), /\[config\] from config drive BASALT-CONFIG/);
  });

  test("/ is read-only erofs on the dm-verity device; /var is STATE", () => {
    const [m] = json(ctl(["mounts", "-o", "json", "-e", endpoint], env));
    const mounts: MountJson[] = m!.value.mounts;
    const root = mounts.find((x) => x.target === "/")!;
    assert.equal(root.source, "/dev/mapper/basalt-root");
    assert.equal(root.fstype, "erofs");
    assert.equal(root.readOnly, true);
    assert.ok(mounts.some((x: MountJson) => x.target === "/var" && x.fstype === "ext4"));
  });

  test("reboot through the API: the node comes back with its config from STATE", async () => {
    const from = vm!.console().length;
    ctl(["reboot", "-e", endpoint], env);
    await vm!.waitForConsole(/basalt-initramfs: uptime/, bootTimeoutMs, from);
    await vm!.waitForConsole(/health: ready/, bootTimeoutMs, from);
    const [v] = json(await waitForApi(endpoint, env, 60_000));
    assert.equal(v!.value.mode, "init");
    const second = vm!.console().slice(from);
    assert.match(second, /\[config\] from STATE/);
    assert.doesNotMatch(second, /formatted/);
  });

  test("machine config through the API: live labels; a hostname refused live, applied in reboot mode", async () => {
    const live = json(
      ctl(
        ["config", "patch", "--merge", '{"node":{"labels":{"e2e":"live"}}}', "-e", endpoint, "-o", "json"],
        env,
      ),
    );
    assert.match(live[0]!.value.result.message, /applied live/);
    const got = parse(json(ctl(["config", "get", "-e", endpoint, "-o", "json"], env))[0]!.value.yaml);
    assert.equal(got.node.labels.e2e, "live");
    assert.equal(got.node.mode, "init");
    const hostname = '{"network":{"hostname":"basalt-vm2"}}';
    assert.throws(
      () => ctl(["config", "patch", "--merge", hostname, "-e", endpoint], env),
      /need a reboot[\s\S]*network\.hostname/,
    );
    const from = vm!.console().length;
    ctl(["config", "patch", "--merge", hostname, "--mode", "reboot", "-e", endpoint], env);
    await vm!.waitForConsole(/basalt-initramfs: uptime/, bootTimeoutMs, from);
    await vm!.waitForConsole(/health: ready/, bootTimeoutMs, from);
    await waitForApi(endpoint, env, 60_000);
    const [h] = json(ctl(["hostname", "-o", "json", "-e", endpoint], env));
    assert.equal(h!.value.hostname, "basalt-vm2");
    const [history] = json(ctl(["config", "history", "-e", endpoint, "-o", "json"], env));
    const current = history!.value.entries.find((e: { current?: boolean }) => e.current);
    assert.equal(current.mode, "reboot");
    assert.deepEqual(current.paths, ["network.hostname"]);
  });

  test("shutdown through the API makes qemu exit", async () => {
    ctl(["shutdown", "-e", endpoint], env);
    const code = await Promise.race([
      vm!.exited,
      new Promise((r) => setTimeout(() => r("timeout"), 120_000)),
    ]);
    assert.equal(code, 0);
    vm = undefined;
  });

  test("a one-byte change in the root image makes the node refuse to mount it", async () => {
    const disk = join(work, "tampered.raw");
    execFileSync("cp", ["--sparse=always", join(image, "disk.raw"), disk]);
    const rootA = manifest.partitions.find((p) => p.name === "ROOT-A")!;
    const fd = openSync(disk, "r+");
    writeSync(fd, Buffer.from([0xff]), 0, 1, rootA.firstSector * 512 + 100); // inside erofs block 0
    closeSync(fd);
    const tampered = startVm({
      disk,
      vars: join(work, "vars-t.fd"),
      configDrive,
      hostPort: await freePort(),
      consoleLog: join(work, "console-tampered.log"),
      noReboot: true,
    });
    try {
      await tampered.waitForConsole(/failed verification \(dm-verity\) and was not mounted/, bootTimeoutMs);
      assert.doesNotMatch(tampered.console(), /switching to basaltd/);
      await tampered.exited; // the initramfs reboots; -no-reboot turns that into an exit
    } finally {
      tampered.kill();
    }
  });
});
