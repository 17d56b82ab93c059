import { spawn } from "node:child_process";
import { open, readdir, readFile, readlink, realpath, statfs } from "node:fs/promises";
import os from "node:os";
import type { Host, SpawnedProcess, SpawnOptions } from "../../host.ts";
import { trackChild } from "./child-registry.ts";
import { readKmsg } from "./kmsg.ts";
import { openPath } from "./open-path.ts";

/**
 * The real Host for agent mode on a general-purpose Linux. Power actions go through the host's
 * init system (systemctl), because in agent mode basaltd is not PID 1.
 */
export function linuxHost(): Host {
  return {
    readText: (path, maxBytes) =>
      maxBytes === undefined ? readFile(path, "utf8") : readHead(path, maxBytes),
    readDir: (path) => readdir(path),
    realpath: (path) => realpath(path),
    openPath,
    kmsg: (follow, signal) => readKmsg(follow, signal),
    readLink: (path) => readlink(path),
    async statfs(path) {
      const s = await statfs(path);
      return { sizeBytes: s.blocks * s.bsize, availableBytes: s.bavail * s.bsize };
    },
    hostname: () => os.hostname(),
    networkInterfaces() {
      const out: ReturnType<Host["networkInterfaces"]> = {};
      for (const [name, addrs] of Object.entries(os.networkInterfaces())) {
        out[name] = (addrs ?? []).map((a) => ({ address: a.address, family: a.family, cidr: a.cidr }));
      }
      return out;
    },
    pageSize: 4096,
    clockTicks: 100,
    spawn(command: readonly string[], options: SpawnOptions): SpawnedProcess {
      const [program, ...args] = command;
      const child = spawn(program!, args, {
        env: options.env,
        cwd: options.cwd,
        stdio: ["ignore", "pipe", "pipe"],
        // Own process group, so stopping a service also stops what it forked.
        detached: true,
      });
      trackChild(child);
      return { pid: child.pid ?? 0, child };
    },
    reboot: () => runSystemctl("reboot"),
    powerOff: () => runSystemctl("poweroff"),
  };
}

/** The first `maxBytes` bytes of a file as text, read in chunks (most proc files are small). */
async function readHead(path: string, maxBytes: number): Promise<string> {
  const handle = await open(path, "r");
  try {
    const parts: Buffer[] = [];
    let total = 0;
    while (total < maxBytes) {
      const buffer = Buffer.allocUnsafe(Math.min(64 * 1024, maxBytes - total));
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, null);
      if (bytesRead === 0) break;
      parts.push(buffer.subarray(0, bytesRead));
      total += bytesRead;
    }
    return Buffer.concat(parts).toString("utf8");
  } finally {
    await handle.close();
  }
}

function runSystemctl(verb: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn("systemctl", [verb], { stdio: "ignore" });
    child.on("error", reject);
    child.on("exit", (code) =>
      code === 0 ? resolve() : reject(new Error(`systemctl ${verb} exited ${code}`)),
    );
  });
}
