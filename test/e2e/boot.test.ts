import assert from "node:assert/strict";
import { execFile, execFileSync } from "node:child_process";
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

  test("the boot timeline: firmware and loader when systemd-boot left their times, kernel, initramfs, Node start-up, basaltd's phases, API ready, in order", () => {
    const [t] = json(ctl(["timeline", "-o", "json", "-e", endpoint], env));
    const steps: { name: string; startMs: number; durationMs: number }[] = t!.value.bootTimeline;
    console.log(`  timeline: ${steps.map((s) => `${s.name} ${s.startMs}+${s.durationMs}`).join(", ")}`);
    const names = steps.map((s) => s.name);
    for (const n of ["kernel", "initramfs", "node start-up", "boot/mounts", "api", "api ready"])
      assert.ok(names.includes(n), `step ${n} in ${names.join(", ")}`);
    const at = (n: string) => steps.find((s) => s.name === n)!;
    // Firmware and loader come from systemd-boot's LoaderTime*USec variables, which it sets only
    // with a usable TSC (not under TCG here): shown exactly when the variables exist, never made up.
    const efivars = ctl(["ls", "/sys/firmware/efi/efivars", "-e", endpoint], env);
    const loaderTimes = /LoaderTimeInitUSec-/.test(efivars) && /LoaderTimeExecUSec-/.test(efivars);
    console.log(`  systemd-boot left its times: ${loaderTimes}`);
    assert.match(efivars, /LoaderBootCountPath-|LoaderEntrySelected-/, "the loader's variables are listed");
    assert.equal(names.includes("firmware"), loaderTimes);
    assert.equal(names.includes("loader"), loaderTimes);
    if (loaderTimes) assert.ok(at("firmware").startMs < 0 && at("loader").startMs < 0, "before the kernel");
    assert.equal(at("kernel").startMs, 0);
    // Each early step ends where the next begins (within the 10 ms of /proc/uptime and stat).
    const gap = (a: string, b: string) => Math.abs(at(a).startMs + at(a).durationMs - at(b).startMs);
    assert.ok(gap("kernel", "initramfs") <= 20, "kernel → initramfs");
    assert.ok(gap("initramfs", "node start-up") === 0, "Node starts where the initramfs switched");
    assert.ok(at("node start-up").durationMs > 0, "loading basaltd takes time");
    assert.ok(at("api ready").startMs > at("node start-up").startMs, "the API after Node's start-up");
    for (let i = 1; i < steps.length; i++)
      assert.ok(steps[i]!.startMs >= steps[i - 1]!.startMs, "in start order");
    // The console said the same: the API was ready within the boot the timeline describes.
    const switched = /switching to basaltd at uptime ([\d.]+) s/.exec(vm!.console());
    assert.ok(switched, "the initramfs said when it switched");
    assert.ok(
      Math.abs(Number(switched[1]) * 1000 - (at("initramfs").startMs + at("initramfs").durationMs)) <= 20,
    );
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

  test("machine config through the API: labels and hostname live; a try that cuts the network reverts by itself", async () => {
    const live = json(
      ctl(
        [
          "config",
          "patch",
          "--merge",
          '{"node":{"labels":{"e2e":"live"}},"network":{"hostname":"basalt-vm2"}}',
          "-e",
          endpoint,
          "-o",
          "json",
        ],
        env,
      ),
    );
    assert.match(live[0]!.value.result.message, /applied live.*hostname basalt-vm2/);
    const got = parse(json(ctl(["config", "get", "-e", endpoint, "-o", "json"], env))[0]!.value.yaml);
    assert.equal(got.node.labels.e2e, "live");
    assert.equal(got.node.mode, "init");
    assert.equal(json(ctl(["hostname", "-o", "json", "-e", endpoint], env))[0]!.value.hostname, "basalt-vm2");
    // Moves eth0 off the address qemu forwards the API to: the node drops off the network.
    const cut = JSON.stringify({
      network: { interfaces: [{ name: "eth0", addresses: ["10.0.3.15/24"], routes: [] }] },
    });
    const tried = Date.now();
    try {
      ctl(
        [
          "config",
          "patch",
          "--merge",
          cut,
          "--mode",
          "try",
          "--try-timeout",
          "30s",
          "--timeout",
          "5s",
          "-e",
          endpoint,
        ],
        env,
      );
    } catch {
      // The answer may be lost with the address it was to leave from.
    }
    assert.throws(
      () => ctl(["version", "--timeout", "3s", "-e", endpoint], env),
      "the node is off the network",
    );
    await waitForApi(endpoint, env, 120_000);
    assert.ok(Date.now() - tried >= 25_000, "it came back by reverting, not at once");
    const after = parse(json(ctl(["config", "get", "-e", endpoint, "-o", "json"], env))[0]!.value.yaml);
    assert.deepEqual(after.network.interfaces[0].addresses, ["10.0.2.15/24"]);
    const [history] = json(ctl(["config", "history", "-e", endpoint, "-o", "json"], env));
    assert.equal(history!.value.entries[0].mode, "revert");
    assert.equal(history!.value.entries[0].current, true);
  });

  test("machine config through the API: a change that needs a reboot is refused live, applied in reboot mode", async () => {
    const limits = '{"api":{"limits":{"calls":2048}}}';
    assert.throws(
      () => ctl(["config", "patch", "--merge", limits, "-e", endpoint], env),
      /need a reboot[\s\S]*api\.limits\.calls/,
    );
    const from = vm!.console().length;
    ctl(["config", "patch", "--merge", limits, "--mode", "reboot", "-e", endpoint], env);
    await vm!.waitForConsole(/basalt-initramfs: uptime/, bootTimeoutMs, from);
    await vm!.waitForConsole(/health: ready/, bootTimeoutMs, from);
    await waitForApi(endpoint, env, 60_000);
    const got = parse(json(ctl(["config", "get", "-e", endpoint, "-o", "json"], env))[0]!.value.yaml);
    assert.equal(got.api.limits.calls, 2048);
    // What changed live before was written to STATE too.
    assert.equal(json(ctl(["hostname", "-o", "json", "-e", endpoint], env))[0]!.value.hostname, "basalt-vm2");
    const [history] = json(ctl(["config", "history", "-e", endpoint, "-o", "json"], env));
    const current = history!.value.entries.find((e: { current?: boolean }) => e.current);
    assert.equal(current.mode, "reboot");
    assert.deepEqual(current.paths, ["api.limits.calls"]);
  });

  test("a power cut (SIGKILL qemu) during a config apply leaves the old config or the new one", async () => {
    const basaltctl = join(import.meta.dirname, "../../dist/basaltctl.mjs");
    const patch = '{"node":{"labels":{"cut":"yes"}},"api":{"limits":{"calls":4096}}}';
    const apply = execFile(
      process.execPath,
      [basaltctl, "config", "patch", "--merge", patch, "--mode", "staged", "-e", endpoint],
      {
        env: { ...process.env, ...env },
      },
    );
    apply.on("error", () => {});
    // basaltctl takes a few hundred ms to start and send; the node then writes history and config.
    await new Promise((r) => setTimeout(r, 450));
    vm!.kill();
    await vm!.exited;
    apply.kill();
    vm = startVm({
      disk: join(work, "disk.raw"),
      vars: join(work, "vars.fd"),
      configDrive,
      hostPort: port,
      consoleLog: join(work, "console-3.log"),
    });
    await vm.waitForConsole(/health: ready/, bootTimeoutMs);
    assert.match(vm.console(), /\[config\] from STATE/);
    await waitForApi(endpoint, env, 60_000);
    const got = parse(json(ctl(["config", "get", "-e", endpoint, "-o", "json"], env))[0]!.value.yaml);
    const old = got.node.labels.cut === undefined && got.api.limits.calls === 2048;
    const neu = got.node.labels.cut === "yes" && got.api.limits.calls === 4096;
    assert.ok(
      old || neu,
      `neither the old nor the new config: ${JSON.stringify({ labels: got.node.labels, limits: got.api.limits })}`,
    );
    console.log(`  power cut during apply: the node came back with the ${old ? "old" : "new"} config`);
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
