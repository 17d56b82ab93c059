/** Pure parsers for /proc/net tables (netstat-like sockets and the IPv4/IPv6 routing tables). */

const tcpStates: Record<string, string> = {
  "01": "ESTABLISHED",
  "02": "SYN_SENT",
  "03": "SYN_RECV",
  "04": "FIN_WAIT1",
  "05": "FIN_WAIT2",
  "06": "TIME_WAIT",
  "07": "CLOSE",
  "08": "CLOSE_WAIT",
  "09": "LAST_ACK",
  "0A": "LISTEN",
  "0B": "CLOSING",
};

/** A little-endian hex IPv4 ("0100007F") or IPv6 (32 hex digits, 4 LE words) address. */
export function decodeHexAddress(hex: string): string {
  if (hex.length === 8) {
    const b = Buffer.from(hex, "hex");
    return `${b[3]}.${b[2]}.${b[1]}.${b[0]}`;
  }
  const words: string[] = [];
  for (let i = 0; i < 32; i += 8) {
    const b = Buffer.from(hex.slice(i, i + 8), "hex").reverse();
    words.push(b.subarray(0, 2).toString("hex"), b.subarray(2, 4).toString("hex"));
  }
  const full = words.map((w) => w.replace(/^0+(?=.)/, "")).join(":");
  if (full.startsWith("0:0:0:0:0:ffff:")) {
    return decodeHexAddress(hex.slice(24));
  }
  return full.replace(/(^|:)0(:0)+(:|$)/, "::");
}

export interface SocketRow {
  protocol: string;
  localAddress: string;
  localPort: number;
  remoteAddress: string;
  remotePort: number;
  state: string;
  inode: number;
}

/** /proc/net/{tcp,tcp6,udp,udp6}. */
export function parseSocketTable(text: string, protocol: string): SocketRow[] {
  return text
    .split("\n")
    .slice(1)
    .filter((l) => l.trim())
    .map((line) => {
      const f = line.trim().split(/\s+/);
      const [la = "", lp = "0"] = (f[1] ?? "").split(":");
      const [ra = "", rp = "0"] = (f[2] ?? "").split(":");
      const st = f[3] ?? "";
      const isUdp = protocol.startsWith("udp");
      return {
        protocol,
        localAddress: decodeHexAddress(la),
        localPort: Number.parseInt(lp, 16),
        remoteAddress: decodeHexAddress(ra),
        remotePort: Number.parseInt(rp, 16),
        state: isUdp ? (st === "07" ? "UNCONN" : "ESTABLISHED") : (tcpStates[st] ?? st),
        inode: Number(f[9] ?? 0),
      };
    });
}

function maskBits(hexMask: string): number {
  let n = Number.parseInt(hexMask, 16) >>> 0;
  let bits = 0;
  while (n) {
    bits += n & 1;
    n >>>= 1;
  }
  return bits;
}

/** /proc/net/route (IPv4). */
export function parseRoutes4(text: string) {
  return text
    .split("\n")
    .slice(1)
    .filter((l) => l.trim())
    .map((line) => {
      const f = line.trim().split(/\s+/);
      return {
        family: "inet",
        destination: `${decodeHexAddress(f[1] ?? "00000000")}/${maskBits(f[7] ?? "0")}`,
        gateway: decodeHexAddress(f[2] ?? "00000000"),
        link: f[0] ?? "",
        metric: Number(f[6] ?? 0),
      };
    });
}

/** /proc/net/ipv6_route. */
export function parseRoutes6(text: string) {
  const addr = (hex: string) => {
    const groups = hex.match(/.{4}/g) ?? [];
    return groups
      .map((g) => g.replace(/^0+(?=.)/, ""))
      .join(":")
      .replace(/(^|:)0(:0)+(:|$)/, "::");
  };
  return text
    .split("\n")
    .filter((l) => l.trim())
    .map((line) => {
      const f = line.trim().split(/\s+/);
      return {
        family: "inet6",
        destination: `${addr(f[0] ?? "")}/${Number.parseInt(f[1] ?? "0", 16)}`,
        gateway: addr(f[4] ?? ""),
        link: f[9] ?? "",
        metric: Number.parseInt(f[5] ?? "0", 16),
      };
    });
}
