import { spawn } from "node:child_process";
import {
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  realpathSync,
  renameSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { basename, dirname } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { BasaltError, type InterfaceConfig } from "@basalt/machinery";
import { type GptPartition, gptHeadBytes, parseGpt } from "../../init/gpt.ts";
import type { BlockDevice, InitHost } from "../../init/init-host.ts";
import { mountTargets } from "../../init/mount-table.ts";
import { ackErrno, addAddress, addRoute, linkUp } from "../../network/rtnetlink.ts";
import { trackChild } from "./child-registry.ts";
import { syscalls } from "./syscalls.ts";

let seq = 1;

/** Sends one rtnetlink request and waits for its acknowledgement. */
export function netlinkRequest(
  sock: { send(m: Buffer): void; receive(): Buffer },
  build: (seq: number) => Buffer,
  what: string,
) {
  const s = seq++;
  sock.send(build(s));
  for (let i = 0; i < 16; i++) {
    const errno = ackErrno(sock.receive(), s);
    if (errno === undefined) continue;
    if (errno === 0) return;
    throw new BasaltError("internal", `${what}: netlink errno ${errno}`);
  }
  throw new BasaltError("internal", `${what}: no netlink acknowledgement`);
}

/** The real InitHost: mounts, block devices and netlink of the machine basaltd is PID 1 of. */
export function linuxInitHost(): InitHost {
  return {
    console: (line) => void process.stdout.write(`${line}\n`),
    mountedTargets() {
      try {
        return mountTargets(readFileSync("/proc/self/mountinfo", "utf8"));
      } catch {
        return new Set();
      }
    },
    async mount(source, target, fstype, flags, data) {
      (await syscalls()).mount(source, target, fstype, flags, data);
    },
    async umount(target) {
      (await syscalls()).umount(target);
    },
    mkdirp: (path, mode = 0o755) => void mkdirSync(path, { recursive: true, mode }),
    exists: (path) => existsSync(path),
    blockDevices: () => listBlockDevices(),
    readHead: (name, bytes) => readDeviceHead(name, bytes),
    readText(path) {
      try {
        return readFileSync(path, "utf8");
      } catch {
        return undefined;
      }
    },
    writePrivate: writeDurably,
    writeText: (path, text) => writeFileSync(path, text),
    run(program, args) {
      return new Promise((resolve, reject) => {
        const child = spawn(program, args, { stdio: ["ignore", "inherit", "inherit"] });
        trackChild(child);
        child.on("error", reject);
        child.on("exit", (code) =>
          code === 0 ? resolve() : reject(new BasaltError("internal", `${program} exited ${code}`)),
        );
      });
    },
    async sethostname(name) {
      (await syscalls()).sethostname(name);
    },
    async configureInterface(iface: InterfaceConfig) {
      const sys = await syscalls();
      let index = 0;
      for (let i = 0; i < 50 && index === 0; i++) {
        try {
          index = sys.ifIndex(iface.name);
        } catch {
          await sleep(100); // the driver may still be probing
        }
      }
      if (index === 0) throw new BasaltError("not_found", `network interface ${iface.name} did not appear`);
      const sock = sys.netlinkRoute();
      try {
        netlinkRequest(sock, (s) => linkUp(s, index, iface.mtu), `link ${iface.name} up`);
        for (const a of iface.addresses) netlinkRequest(sock, (s) => addAddress(s, index, a), `address ${a}`);
        for (const r of iface.routes)
          netlinkRequest(sock, (s) => addRoute(s, index, r.to, r.via), `route ${r.to}`);
      } finally {
        sock.close();
      }
    },
    sleep: (ms) => sleep(ms),
  };
}

/** Block devices from /sys/class/block, each partition with the GUIDs its disk's GPT gives it. */
function listBlockDevices(): BlockDevice[] {
  const tables = new Map<string, GptPartition[] | undefined>();
  const gptOf = (disk: string) => {
    if (!tables.has(disk)) {
      let table: GptPartition[] | undefined;
      try {
        table = parseGpt(readDeviceHead(disk, gptHeadBytes));
      } catch {
        table = undefined;
      }
      tables.set(disk, table);
    }
    return tables.get(disk);
  };
  const out: BlockDevice[] = [];
  for (const name of readdirSync("/sys/class/block").sort()) {
    const sys = `/sys/class/block/${name}`;
    const uevent = readFileSync(`${sys}/uevent`, "utf8");
    const partName = /^PARTNAME=(.*)$/m.exec(uevent)?.[1] ?? "";
    const number = existsSync(`${sys}/partition`) ? Number(readFileSync(`${sys}/partition`, "utf8")) : 0;
    if (number === 0) {
      out.push({ name, partName, disk: "", partUuid: "", partType: "" });
      continue;
    }
    // The disk is the parent of the partition's real sysfs directory (resolve the link first: a
    // lexical `..` would give "block").
    const disk = basename(dirname(realpathSync(sys)));
    const entry = gptOf(disk)?.find((p) => p.number === number);
    out.push({ name, partName, disk, partUuid: entry?.partGuid ?? "", partType: entry?.typeGuid ?? "" });
  }
  return out;
}

function readDeviceHead(name: string, bytes: number): Buffer {
  const fd = openSync(`/dev/${name}`, "r");
  try {
    const buf = Buffer.alloc(bytes);
    const n = readSync(fd, buf, 0, bytes, 0);
    return buf.subarray(0, n);
  } finally {
    closeSync(fd);
  }
}

/**
 * Writes a root-only file so that a power cut leaves the old file or the new one, whole: written to
 * a temporary name and fsynced, renamed over the old one, the directory fsynced. (A plain write of
 * the machine config to STATE, cut within the kernel's writeback delay, left an empty file that the
 * next boot rejected.)
 */
export function writeDurably(path: string, text: string): void {
  const tmp = `${path}.tmp`;
  const fd = openSync(tmp, "w", 0o600);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
  const dir = openSync(dirname(path), "r");
  try {
    fsyncSync(dir);
  } finally {
    closeSync(dir);
  }
}
