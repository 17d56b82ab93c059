import { BasaltError } from "@basalt/machinery";
import { parseCidr } from "./rtnetlink.ts";

/**
 * rtnetlink for routes that carry their owner's protocol number: add (never over someone else's
 * route), replace, delete (the kernel matches protocol and gateway, so only our own route can go)
 * and a dump of the IPv4 routing tables with a parser for it. Pure byte layout, tested without a
 * kernel; the socket is in adapters/linux. IPv4 only.
 */
const RTM_NEWROUTE = 24;
const RTM_DELROUTE = 25;
const RTM_GETROUTE = 26;
const NLMSG_ERROR = 2;
const NLMSG_DONE = 3;
const F_REQUEST = 0x1;
const F_ACK = 0x4;
const F_DUMP = 0x300;
const F_REPLACE = 0x100;
const F_EXCL = 0x200;
const F_CREATE = 0x400;
const AF_INET = 2;
const RTA_DST = 1;
const RTA_OIF = 4;
const RTA_GATEWAY = 5;
const RTA_TABLE = 15;
/** The main routing table: where `basaltctl routes` (/proc/net/route) shows routes. */
export const mainTable = 254;

const align4 = (n: number) => (n + 3) & ~3;

function attr(type: number, data: Buffer): Buffer {
  const out = Buffer.alloc(align4(4 + data.length));
  out.writeUInt16LE(4 + data.length, 0);
  out.writeUInt16LE(type, 2);
  data.copy(out, 4);
  return out;
}

function header(type: number, flags: number, seq: number, payload: Buffer): Buffer {
  const h = Buffer.alloc(16);
  h.writeUInt32LE(16 + payload.length, 0);
  h.writeUInt16LE(type, 4);
  h.writeUInt16LE(flags | F_REQUEST, 6);
  h.writeUInt32LE(seq, 8);
  return Buffer.concat([h, payload]);
}

function rtmsg(prefix: number, protocol: number, table = mainTable): Buffer {
  // family, dst_len, src_len, tos, table, protocol, scope (universe), type (unicast), flags
  return Buffer.from([AF_INET, prefix, 0, 0, table, protocol, 0, 1, 0, 0, 0, 0]);
}

function gatewayBytes(via: string): Buffer {
  const { address, prefix } = parseCidr(`${via}/32`);
  if (prefix !== 32) throw new BasaltError("invalid_argument", `not an IPv4 address: ${via}`);
  return address;
}

/** How a route request treats an existing route to the same destination. */
export type RouteWrite = "add" | "replace" | "delete";

/**
 * One route request in the main table: `dst` (a CIDR) via gateway `via`, marked with `protocol`.
 * `add` fails with EEXIST if any route to `dst` is there (ours or not); `replace` overwrites the
 * route to `dst`; `delete` removes it only if its protocol and gateway match.
 */
export function routeRequest(
  write: RouteWrite,
  seq: number,
  dst: string,
  via: string,
  protocol: number,
): Buffer {
  const d = parseCidr(dst);
  const attrs = [attr(RTA_DST, d.address), attr(RTA_GATEWAY, gatewayBytes(via))];
  const type = write === "delete" ? RTM_DELROUTE : RTM_NEWROUTE;
  const flags = write === "add" ? F_CREATE | F_EXCL : write === "replace" ? F_CREATE | F_REPLACE : 0;
  return header(type, flags | F_ACK, seq, Buffer.concat([rtmsg(d.prefix, protocol), ...attrs]));
}

/** RTM_GETROUTE dump of every IPv4 route (all tables; the reader filters). */
export function routeDumpRequest(seq: number): Buffer {
  return header(RTM_GETROUTE, F_DUMP, seq, rtmsg(0, 0, 0));
}

/** A route from a dump, as much of it as the route keeper reads. */
export interface DumpedRoute {
  dst: string;
  /** Gateway, or "" for a route without one. */
  via: string;
  protocol: number;
  table: number;
  oif: number;
}

/** One received buffer of a dump: its routes, and whether the dump ended (or failed, with errno). */
export interface DumpChunk {
  routes: DumpedRoute[];
  done: boolean;
  errno: number;
}

function dotted(b: Buffer): string {
  return [...b.subarray(0, 4)].join(".");
}

/**
 * Parses one buffer of answers to dump `seq`. Every length comes from the kernel's bytes and is
 * checked against what was received; a message that does not fit ends the walk rather than being
 * read past its end.
 */
export function parseRouteDump(answer: Buffer, seq: number): DumpChunk {
  const chunk: DumpChunk = { routes: [], done: false, errno: 0 };
  for (let off = 0; off + 16 <= answer.length; ) {
    const len = answer.readUInt32LE(off);
    if (len < 16 || len > answer.length - off) break;
    const type = answer.readUInt16LE(off + 4);
    if (answer.readUInt32LE(off + 8) === seq) {
      if (type === NLMSG_DONE) chunk.done = true;
      else if (type === NLMSG_ERROR) {
        chunk.done = true;
        chunk.errno = len >= 20 ? -answer.readInt32LE(off + 16) || 0 : 0;
      } else if (type === RTM_NEWROUTE && len >= 28 && answer[off + 16] === AF_INET) {
        const prefix = answer[off + 17]!;
        let table = answer[off + 20]!;
        const protocol = answer[off + 21]!;
        let dst: Buffer = Buffer.alloc(4);
        let via = "";
        let oif = 0;
        for (let a = off + 28; a + 4 <= off + len; ) {
          const alen = answer.readUInt16LE(a);
          const atype = answer.readUInt16LE(a + 2) & 0x3fff;
          if (alen < 4 || a + alen > off + len) break;
          const data = answer.subarray(a + 4, a + alen);
          if (atype === RTA_DST && data.length >= 4) dst = data;
          else if (atype === RTA_GATEWAY && data.length >= 4) via = dotted(data);
          else if (atype === RTA_OIF && data.length >= 4) oif = data.readUInt32LE(0);
          else if (atype === RTA_TABLE && data.length >= 4) table = data.readUInt32LE(0);
          a += align4(alen);
        }
        if (prefix <= 32) chunk.routes.push({ dst: `${dotted(dst)}/${prefix}`, via, protocol, table, oif });
      }
    }
    off += align4(len);
  }
  return chunk;
}
