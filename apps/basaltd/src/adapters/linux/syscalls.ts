import { BasaltError } from "@basalt/machinery";

/** umount2(2) flag: detach now, clean up when no longer busy. */
export const MNT_DETACH = 2;

/** reboot(2) commands (glibc's RB_* values). */
export const RB = { AUTOBOOT: 0x01234567, POWER_OFF: 0x4321fedc } as const;

/**
 * The few system calls Node has no API for, through koffi (a maintained FFI with prebuilt binaries;
 * no compiler on the node, no helper programs). Loaded on first use, so agent mode and unit tests
 * never load native code.
 */
export interface Syscalls {
  mount(source: string, target: string, fstype: string, flags: number, data?: string): void;
  umount(target: string, flags?: number): void;
  reboot(command: number): void;
  sethostname(name: string): void;
  sync(): void;
  /** Reaps one exited child; returns its pid, or 0 if it has not exited. */
  waitpidNoHang(pid: number): number;
  /** A raw NETLINK_ROUTE socket: send a request, read the answer. */
  netlinkRoute(): { send(msg: Buffer): void; receive(): Buffer; close(): void };
  ifIndex(name: string): number;
  /**
   * Loads a kernel module from an open file (finit_module(2)); `compressed` lets the kernel
   * decompress .ko.xz/.ko.zst itself. Returns false if the module was already loaded (EEXIST).
   */
  finitModule(fd: number, compressed: boolean): boolean;
}

let loaded: Promise<Syscalls> | undefined;

/** The process-wide syscall table (libc is loaded once). */
export function syscalls(): Promise<Syscalls> {
  loaded ??= load();
  return loaded;
}

async function load(): Promise<Syscalls> {
  const koffi = (await import("koffi")).default;
  const libc = koffi.load("libc.so.6");
  const fn = (decl: string) => libc.func(decl);
  const c = {
    mount: fn(
      "int mount(const char *src, const char *target, const char *fstype, unsigned long flags, const char *data)",
    ),
    umount2: fn("int umount2(const char *target, int flags)"),
    reboot: fn("int reboot(int cmd)"),
    sethostname: fn("int sethostname(const char *name, size_t len)"),
    sync: fn("void sync(void)"),
    waitpid: fn("int waitpid(int pid, _Out_ int *status, int options)"),
    socket: fn("int socket(int domain, int type, int protocol)"),
    bind: fn("int bind(int fd, const void *addr, uint32_t len)"),
    send: fn("intptr_t send(int fd, const void *buf, size_t len, int flags)"),
    recv: fn("intptr_t recv(int fd, _Out_ void *buf, size_t len, int flags)"),
    close: fn("int close(int fd)"),
    ifNameToIndex: fn("unsigned int if_nametoindex(const char *name)"),
    strerror: fn("const char *strerror(int errnum)"),
    syscall: fn("long syscall(long number, ...)"),
  };
  const check = (rc: number | bigint, what: string) => {
    if (Number(rc) >= 0) return Number(rc);
    const errno = koffi.errno();
    throw new BasaltError("internal", `${what}: ${c.strerror(errno) as string} (errno ${errno})`);
  };
  return {
    mount(source, target, fstype, flags, data) {
      check(c.mount(source, target, fstype, flags, data ?? null), `mount ${fstype} ${source} on ${target}`);
    },
    umount(target, flags = 0) {
      check(c.umount2(target, flags), `umount ${target}`);
    },
    reboot(command) {
      check(c.reboot(command), "reboot");
    },
    sethostname(name) {
      check(c.sethostname(name, Buffer.byteLength(name)), `sethostname ${name}`);
    },
    sync: () => void c.sync(),
    waitpidNoHang(pid) {
      const status = [0];
      return check(c.waitpid(pid, status, 1 /* WNOHANG */), `waitpid ${pid}`);
    },
    netlinkRoute() {
      const fd = check(
        c.socket(16 /* AF_NETLINK */, 3 /* SOCK_RAW */ | 0o2000000 /* CLOEXEC */, 0),
        "netlink socket",
      );
      const addr = Buffer.alloc(12);
      addr.writeUInt16LE(16, 0);
      check(c.bind(fd, addr, addr.length), "netlink bind");
      return {
        send(msg) {
          check(c.send(fd, msg, msg.length, 0), "netlink send");
        },
        receive() {
          const buf = Buffer.alloc(65536);
          const n = check(c.recv(fd, buf, buf.length, 0), "netlink recv");
          return buf.subarray(0, n);
        },
        close: () => void c.close(fd),
      };
    },
    finitModule(fd, compressed) {
      const SYS_finit_module = 313; // x86_64
      const MODULE_INIT_COMPRESSED_FILE = 4;
      const rc = Number(
        c.syscall(
          SYS_finit_module,
          "int",
          fd,
          "str",
          "",
          "int",
          compressed ? MODULE_INIT_COMPRESSED_FILE : 0,
        ),
      );
      if (rc >= 0) return true;
      const errno = koffi.errno();
      if (errno === 17 /* EEXIST */) return false;
      throw new BasaltError("internal", `finit_module: ${c.strerror(errno) as string} (errno ${errno})`);
    },
    ifIndex(name) {
      const index = Number(c.ifNameToIndex(name));
      if (index === 0) throw new BasaltError("not_found", `no network interface ${name}`);
      return index;
    },
  };
}
