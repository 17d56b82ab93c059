/**
 * Pure parsers for the text files of /proc and /sys. Each takes the file's text and returns plain
 * objects shaped like the API's messages, so they are tested against fixtures without a kernel.
 */

/** /proc/meminfo → bytes. */
export function parseMeminfo(text: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of text.split("\n")) {
    const m = /^(\w+(?:\(\w+\))?):\s+(\d+)(?:\s+kB)?/.exec(line);
    if (m) out[m[1]!] = Number(m[2]) * (line.includes("kB") ? 1024 : 1);
  }
  return out;
}

/** /proc/loadavg: "0.08 0.03 0.01 1/123 4567". */
export function parseLoadavg(text: string) {
  const [l1, l5, l15, rt] = text.trim().split(/\s+/);
  const [running, total] = (rt ?? "0/0").split("/").map(Number);
  return {
    load1: Number(l1),
    load5: Number(l5),
    load15: Number(l15),
    running: running ?? 0,
    total: total ?? 0,
  };
}

/** /proc/cpuinfo → one entry per logical processor. */
export function parseCpuinfo(text: string) {
  return text
    .split(/\n\s*\n/)
    .filter((block) => block.includes("processor"))
    .map((block) => {
      const f: Record<string, string> = {};
      for (const line of block.split("\n")) {
        const i = line.indexOf(":");
        if (i > 0) f[line.slice(0, i).trim()] = line.slice(i + 1).trim();
      }
      return {
        processor: Number(f.processor ?? 0),
        vendorId: f.vendor_id ?? "",
        modelName: f["model name"] ?? "",
        mhz: Number(f["cpu MHz"] ?? 0),
        cores: Number(f["cpu cores"] ?? 1),
        flags: (f.flags ?? "").split(/\s+/).filter(Boolean),
      };
    });
}

/**
 * /proc/<pid>/stat. The command sits in parentheses and may itself hold spaces and parentheses,
 * so the fields are split after the last ")".
 */
export function parseProcStat(text: string, pageSize: number, clockTicks: number) {
  const open = text.indexOf("(");
  const close = text.lastIndexOf(")");
  const pid = Number(text.slice(0, open).trim());
  const command = text.slice(open + 1, close);
  const rest = text
    .slice(close + 2)
    .trim()
    .split(/\s+/);
  // rest[0] is field 3 (state); field N is rest[N - 3].
  const field = (n: number) => Number(rest[n - 3] ?? 0);
  return {
    pid,
    command,
    state: rest[0] ?? "?",
    ppid: field(4),
    cpuTimeMs: Math.round(((field(14) + field(15)) * 1000) / clockTicks),
    threads: field(20),
    virtualBytes: field(23),
    rssBytes: field(24) * pageSize,
  };
}

/** /proc/self/mountinfo → mounts. Octal escapes (\040 for space) are decoded. */
export function parseMountinfo(text: string) {
  const decode = (s: string) =>
    s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(Number.parseInt(o, 8)));
  return text
    .split("\n")
    .filter(Boolean)
    .map((line) => {
      const [pre, post] = line.split(" - ");
      const a = (pre ?? "").split(" ");
      const b = (post ?? "").split(" ");
      const options = [...(a[5] ?? "").split(","), ...(b[2] ?? "").split(",")].filter(Boolean);
      return {
        target: decode(a[4] ?? ""),
        fstype: b[0] ?? "",
        source: decode(b[1] ?? ""),
        options: [...new Set(options)],
        readOnly: (a[5] ?? "").split(",").includes("ro"),
      };
    });
}

/** /etc/os-release → NAME / VERSION_ID. */
export function parseOsRelease(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split("\n")) {
    const m = /^([A-Z_]+)=(.*)$/.exec(line.trim());
    if (m) out[m[1]!] = m[2]!.replace(/^"(.*)"$/, "$1");
  }
  return out;
}

/** A /dev/kmsg record: "6,1234,5678901,-;message". */
export function parseKmsgRecord(record: string, bootTimeMs: number) {
  const semi = record.indexOf(";");
  const [pf = "0", , usec = "0"] = record.slice(0, semi).split(",");
  const value = Number(pf);
  const facilities = ["kern", "user", "mail", "daemon", "auth", "syslog", "lpr", "news"];
  const priorities = ["emerg", "alert", "crit", "err", "warning", "notice", "info", "debug"];
  const message = record.slice(semi + 1).split("\n")[0] ?? "";
  return {
    timeMs: bootTimeMs + Number(usec) / 1000,
    facility: facilities[value >> 3] ?? `local${(value >> 3) - 16}`,
    priority: priorities[value & 7] ?? "info",
    message,
  };
}
