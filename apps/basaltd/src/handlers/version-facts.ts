import { parseOsRelease } from "../node-info/proc-parsers.ts";

/** What NodeService/Version reports about the machine, besides basaltd's own version. */
export interface VersionFacts {
  kernelRelease: string;
  osName: string;
  osVersion: string;
  bootedSlot: string;
}

type ReadText = (path: string) => Promise<string>;

/**
 * The facts behind Version, read from files that cannot change while this process runs: the kernel
 * release and command line are fixed for a boot, and /etc/os-release lies on the read-only root of
 * a Basalt image. Version is what fan-outs and health probes call most; reading three files per call
 * was a third of the daemon's CPU for it. In agent mode /etc/os-release belongs to a general-purpose
 * distro that can be upgraded under a running basaltd, so it is read on every call there. A read that
 * failed is not remembered (the next call tries again).
 */
export function versionFacts(readText: ReadText, osReleaseIsImmutable: boolean): () => Promise<VersionFacts> {
  const once = new Map<string, Promise<string>>();
  const read = (path: string, remember: boolean): Promise<string> => {
    const known = once.get(path);
    if (known) return known;
    if (!remember) return readText(path).catch(() => "");
    const text = readText(path).catch(() => {
      once.delete(path);
      return "";
    });
    once.set(path, text);
    return text;
  };
  return async () => {
    const [osRelease, kernel, cmdline] = await Promise.all([
      read("/etc/os-release", osReleaseIsImmutable),
      read("/proc/sys/kernel/osrelease", true),
      read("/proc/cmdline", true),
    ]);
    const os = parseOsRelease(osRelease);
    return {
      kernelRelease: kernel.trim(),
      osName: os.NAME ?? "",
      osVersion: os.VERSION_ID ?? os.VERSION ?? "",
      bootedSlot: /basalt\.slot=([AB])/.exec(cmdline)?.[1] ?? "",
    };
  };
}
