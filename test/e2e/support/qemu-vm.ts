import { type ChildProcess, spawn } from "node:child_process";
import { copyFileSync, createWriteStream } from "node:fs";
import { createServer } from "node:net";
import { guestApiPort } from "./vm-config.ts";

export const ovmfCode = "/usr/share/OVMF/OVMF_CODE.fd";
export const ovmfVars = "/usr/share/OVMF/OVMF_VARS.fd";

/** A free TCP port on 127.0.0.1 for the API forward. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
    srv.on("error", reject);
  });
}

export interface VmOptions {
  disk: string;
  /** Copy of OVMF_VARS for this VM (EFI variables persist across its reboots). */
  vars: string;
  configDrive?: string;
  /** Other disks, attached BEFORE the boot disk so they enumerate first (vda, vdb, …). */
  foreignDisks?: string[];
  hostPort: number;
  consoleLog: string;
  /** qemu exits instead of rebooting (to see a refused boot end). */
  noReboot?: boolean;
}

/** A qemu VM (TCG, q35, OVMF) whose serial console is collected for assertions. */
export interface Vm {
  process: ChildProcess;
  console(): string;
  waitForConsole(pattern: RegExp, timeoutMs: number, from?: number): Promise<void>;
  exited: Promise<number | null>;
  kill(): void;
}

function virtioDisk(file: string, id: string, deviceExtra = "", driveExtra = ""): string[] {
  return [
    "-drive",
    `file=${file},format=raw,if=none,id=${id}${driveExtra}`,
    "-device",
    `virtio-blk-pci,drive=${id}${deviceExtra}`,
  ];
}

export function startVm(o: VmOptions): Vm {
  copyFileSync(ovmfVars, o.vars);
  const args = [
    "-machine",
    "q35",
    "-cpu",
    "max",
    "-m",
    "1536",
    "-smp",
    "1",
    "-nographic",
    "-drive",
    `if=pflash,format=raw,readonly=on,file=${ovmfCode}`,
    "-drive",
    `if=pflash,format=raw,file=${o.vars}`,
    // Every disk as an explicit device, in this order (so the guest names them vda, vdb, … in it);
    // bootindex keeps the firmware booting our disk whatever is attached before it.
    ...(o.foreignDisks ?? []).flatMap((d, i) => virtioDisk(d, `foreign${i}`)),
    ...virtioDisk(o.disk, "boot", ",bootindex=0"),
    ...(o.configDrive ? virtioDisk(o.configDrive, "config", "", ",readonly=on") : []),
    "-nic",
    `user,model=virtio-net-pci,hostfwd=tcp:127.0.0.1:${o.hostPort}-:${guestApiPort}`,
    ...(o.noReboot ? ["-no-reboot"] : []),
  ];
  const child = spawn("qemu-system-x86_64", args, { stdio: ["ignore", "pipe", "pipe"] });
  const log = createWriteStream(o.consoleLog);
  let text = "";
  const waiters = new Set<() => void>();
  const onData = (b: Buffer) => {
    log.write(b);
    text += b.toString("latin1");
    for (const w of waiters) w();
  };
  child.stdout.on("data", onData);
  child.stderr.on("data", onData);
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return {
    process: child,
    console: () => text,
    exited,
    kill: () => void child.kill("SIGKILL"),
    waitForConsole(pattern, timeoutMs, from = 0) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (pattern.test(text.slice(from))) {
            clearTimeout(timer);
            waiters.delete(check);
            resolve();
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(
            new Error(
              `console did not show ${pattern} within ${timeoutMs} ms; last lines:\n${text.slice(-2000)}`,
            ),
          );
        }, timeoutMs);
        waiters.add(check);
        void exited.then(() => {
          if (waiters.has(check)) {
            waiters.delete(check);
            clearTimeout(timer);
            reject(
              new Error(
                `qemu exited before the console showed ${pattern}; last lines:\n${text.slice(-2000)}`,
              ),
            );
          }
        });
        check();
      });
    },
  };
}
