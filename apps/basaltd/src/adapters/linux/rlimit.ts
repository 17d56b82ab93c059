import { BasaltError } from "@basalt/machinery";

/** RLIMIT_NOFILE on Linux (asm-generic/resource.h). */
const RLIMIT_NOFILE = 7;

/** The descriptor limit basaltd runs with as PID 1 (the kernel starts init at 1024 soft / 4096 hard). */
export const initNoFileLimit = 1_048_576;

/**
 * Raises this process's RLIMIT_NOFILE (soft and hard) to `wanted`, or as far as the kernel allows
 * (fs.nr_open caps it; the hard limit is tried first, then the soft limit up to the hard one).
 * Through koffi's prlimit(2) binding: Node has no API for it. Returns the limits now in force.
 */
export async function raiseNoFileLimit(wanted = initNoFileLimit): Promise<{ soft: number; hard: number }> {
  const koffi = (await import("koffi")).default;
  const libc = koffi.load("libc.so.6");
  const Rlimit = koffi.struct("basalt_rlimit", { cur: "uint64_t", max: "uint64_t" });
  const prlimit = libc.func(
    "int prlimit(int pid, int resource, const basalt_rlimit *nw, _Out_ basalt_rlimit *old)",
  );
  const current = (): { soft: number; hard: number } => {
    const out = { cur: 0n, max: 0n };
    if (prlimit(0, RLIMIT_NOFILE, null, out) !== 0) {
      throw new BasaltError("internal", `prlimit(RLIMIT_NOFILE) failed: errno ${koffi.errno()}`);
    }
    return { soft: Number(out.cur), hard: Number(out.max) };
  };
  const before = current();
  for (const target of [wanted, 524_288, 65_536]) {
    if (target <= before.hard && before.soft >= target) return before;
    const hard = Math.max(target, before.hard);
    if (prlimit(0, RLIMIT_NOFILE, { cur: target, max: hard }, null) === 0) return current();
  }
  // Without CAP_SYS_RESOURCE the hard limit cannot grow: take the soft limit up to it.
  prlimit(0, RLIMIT_NOFILE, { cur: before.hard, max: before.hard }, null);
  void Rlimit;
  return current();
}
