import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parse, stringify } from "yaml";

/** The API port basaltd listens on inside the VM; qemu forwards a host port to it. */
export const guestApiPort = 50000;

const basaltctl = join(import.meta.dirname, "../../../dist/basaltctl.mjs");

/** Runs the built basaltctl and returns its stdout (throws with stderr on failure). */
export function ctl(args: readonly string[], env: Record<string, string> = {}): string {
  return execFileSync(process.execPath, [basaltctl, ...args], {
    env: { ...process.env, ...env },
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
    timeout: 30_000,
  });
}

/**
 * A cluster CA, a machine config for one VM and an admin client config. The serving certificate is
 * for 127.0.0.1 (where qemu forwards the API); inside the VM basaltd listens on 0.0.0.0 with the
 * static address qemu's user network expects.
 */
export function makeVmConfig(dir: string, hostPort: number): { machineConfig: string; clientConfig: string } {
  mkdirSync(dir, { recursive: true });
  ctl(["gen", "secrets", "--out", join(dir, "secrets.yaml"), "--force"]);
  ctl([
    "gen",
    "config",
    "--secrets",
    join(dir, "secrets.yaml"),
    "--node",
    `vm=127.0.0.1:${hostPort}`,
    "--out",
    dir,
    "--force",
  ]);
  const path = join(dir, "vm.yaml");
  const config = parse(readFileSync(path, "utf8"));
  config.node.mode = "init";
  config.api.listen = `0.0.0.0:${guestApiPort}`;
  config.network = {
    hostname: "basalt-vm",
    interfaces: [{ name: "eth0", addresses: ["10.0.2.15/24"], routes: [{ to: "default", via: "10.0.2.2" }] }],
    nameservers: ["10.0.2.3"],
  };
  writeFileSync(path, stringify(config), { mode: 0o600 });
  return { machineConfig: path, clientConfig: join(dir, "basaltconfig") };
}

/** A small ext4 disk labelled BASALT-CONFIG holding config.yaml: the node's first-boot config drive. */
export function makeConfigDrive(machineConfig: string, image: string): void {
  const staging = `${image}.d`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  writeFileSync(join(staging, "config.yaml"), readFileSync(machineConfig), { mode: 0o600 });
  rmSync(image, { force: true });
  execFileSync("mkfs.ext4", ["-q", "-L", "BASALT-CONFIG", "-d", staging, image, "8M"]);
  rmSync(staging, { recursive: true, force: true });
}
