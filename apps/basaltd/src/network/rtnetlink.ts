import { BasaltError } from "@basalt/machinery";

/**
 * Encoding of the three rtnetlink requests init mode needs (link up, add address, add route) and of
 * the kernel's acknowledgement. Pure byte layout, so it is tested without a kernel; the socket is in
 * adapters/linux. IPv4 only for now.
 */
const RTM_NEWLINK = 16;
const RTM_NEWADDR = 20;
const RTM_NEWROUTE = 24;
const RTM_DELADDR = 21;
const RTM_DELROUTE = 25;
const NLMSG_ERROR = 2;
const F_REQUEST = 0x1;
const F_ACK = 0x4;
const F_REPLACE = 0x100;
const F_CREATE = 0x400;
const AF_INET = 2;
const IFF_UP = 1;

const align4 = (n: number) => (n + 3) & ~3;

function ipv4(address: string): Buffer {
  const texts = address.split(".");
  const parts = texts.map(Number);
  if (texts.length !== 4 || texts.some((t) => !/^\d{1,3}$/.test(t)) || parts.some((p) => p > 255))
    throw new BasaltError("invalid_argument", `not an IPv4 address: ${address}`);
  return Buffer.from(parts);
}

/** "10.0.2.15/24" → address bytes and prefix length. */
export function parseCidr(cidr: string): { address: Buffer; prefix: number } {
  const [addr, len, extra] = cidr.split("/");
  const prefix = Number(len);
  if (!addr || extra !== undefined || !/^\d{1,2}$/.test(len ?? "") || prefix > 32)
    throw new BasaltError("invalid_argument", `not an IPv4 CIDR: ${cidr}`);
  return { address: ipv4(addr), prefix };
}

function attr(type: number, data: Buffer): Buffer {
  const out = Buffer.alloc(align4(4 + data.length));
  out.writeUInt16LE(4 + data.length, 0);
  out.writeUInt16LE(type, 2);
  data.copy(out, 4);
  return out;
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n);
  return b;
}

function message(type: number, flags: number, seq: number, body: Buffer, attrs: Buffer[]): Buffer {
  const payload = Buffer.concat([body, ...attrs]);
  const header = Buffer.alloc(16);
  header.writeUInt32LE(16 + payload.length, 0);
  header.writeUInt16LE(type, 4);
  header.writeUInt16LE(flags | F_REQUEST | F_ACK, 6);
  header.writeUInt32LE(seq, 8);
  return Buffer.concat([header, payload]);
}

/** RTM_NEWLINK setting IFF_UP (and the MTU when given) on link `index`. */
export function linkUp(seq: number, index: number, mtu?: number): Buffer {
  const ifinfo = Buffer.alloc(16);
  ifinfo.writeInt32LE(index, 4);
  ifinfo.writeUInt32LE(IFF_UP, 8);
  ifinfo.writeUInt32LE(IFF_UP, 12);
  return message(RTM_NEWLINK, 0, seq, ifinfo, mtu ? [attr(4 /* IFLA_MTU */, u32(mtu))] : []);
}

/** RTM_NEWADDR for an IPv4 address with prefix on link `index` (replacing an equal one). */
export function addAddress(seq: number, index: number, cidr: string): Buffer {
  const { address, prefix } = parseCidr(cidr);
  const ifaddr = Buffer.alloc(8);
  ifaddr.writeUInt8(AF_INET, 0);
  ifaddr.writeUInt8(prefix, 1);
  ifaddr.writeUInt32LE(index, 4);
  const attrs = [attr(2 /* IFA_LOCAL */, address), attr(1 /* IFA_ADDRESS */, address)];
  if (prefix < 31) {
    const host = prefix === 0 ? 0xffffffff : (1 << (32 - prefix)) - 1;
    attrs.push(attr(4 /* IFA_BROADCAST */, u32be((address.readUInt32BE(0) | host) >>> 0)));
  }
  return message(RTM_NEWADDR, F_CREATE | F_REPLACE, seq, ifaddr, attrs);
}

function u32be(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
}

/** RTM_NEWROUTE in the main table: `to` ("default" or a CIDR) via gateway `via` out of link `index`. */
export function addRoute(seq: number, index: number, to: string, via: string): Buffer {
  const dst = to === "default" ? { address: Buffer.alloc(0), prefix: 0 } : parseCidr(to);
  const rtmsg = Buffer.from([
    AF_INET,
    dst.prefix,
    0,
    0,
    254 /* main */,
    4 /* static */,
    0 /* universe */,
    1 /* unicast */,
    0,
    0,
    0,
    0,
  ]);
  const attrs = [attr(5 /* RTA_GATEWAY */, ipv4(via)), attr(4 /* RTA_OIF */, u32(index))];
  if (dst.prefix > 0) attrs.unshift(attr(1 /* RTA_DST */, dst.address));
  return message(RTM_NEWROUTE, F_CREATE | F_REPLACE, seq, rtmsg, attrs);
}

/** RTM_DELADDR: the same address as `addAddress` describes, removed (a machine config changed live). */
export function removeAddress(seq: number, index: number, cidr: string): Buffer {
  const m = addAddress(seq, index, cidr);
  m.writeUInt16LE(RTM_DELADDR, 4);
  m.writeUInt16LE(F_REQUEST | F_ACK, 6);
  return m;
}

/** RTM_DELROUTE: the same route as `addRoute` describes, removed. */
export function removeRoute(seq: number, index: number, to: string, via: string): Buffer {
  const m = addRoute(seq, index, to, via);
  m.writeUInt16LE(RTM_DELROUTE, 4);
  m.writeUInt16LE(F_REQUEST | F_ACK, 6);
  return m;
}

/** The errno of the kernel's answer to request `seq` (0 = done), or undefined if this is not it. */
export function ackErrno(answer: Buffer, seq: number): number | undefined {
  // Every length comes from the kernel's bytes: a message must fit in what was received, and an
  // error message must hold its errno, or the walk stops rather than reading past the buffer.
  for (let off = 0; off + 16 <= answer.length; ) {
    const len = answer.readUInt32LE(off);
    if (len < 16 || len > answer.length - off) break;
    if (answer.readUInt16LE(off + 4) === NLMSG_ERROR && answer.readUInt32LE(off + 8) === seq) {
      if (len < 20) break;
      return -answer.readInt32LE(off + 16) || 0;
    }
    off += align4(len);
  }
  return undefined;
}
