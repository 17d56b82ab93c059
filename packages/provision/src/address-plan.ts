import { randomBytes } from "node:crypto";
import { BasaltError } from "@basalt/machinery";

/**
 * The pure part of provisioning a VM network: names and addresses, decided before anything runs.
 * Every run gets its own network namespace, so the bridge, the taps and the subnet inside it can be
 * the same in every run (they never meet); only the namespace name must be unique on the host.
 */

/** Prefix of every namespace the provisioner creates; the stale-namespace sweeper looks only at these. */
export const namespacePrefix = "basalt-";

/** The subnet inside the namespace when none is given: private, and apart from the pod (10.244/16) and service (10.96/12) ranges. */
export const defaultSubnet = "10.77.0.0/24";

/** The first host number given to a VM (.1 is the bridge; .2–.9 stay free for what the caller adds). */
export const firstVmHost = 10;

/** One VM's place on the bridge. */
export interface VmAddress {
  name: string;
  /** 0-based position in the plan. */
  index: number;
  /** The tap inside the namespace (tap0, tap1, …). */
  tap: string;
  /** IPv4 address on the bridge subnet. */
  ip: string;
  /** `ip/prefix`, as a machine config's interface wants it. */
  cidr: string;
  /** Locally administered unicast MAC, unique within the plan. */
  mac: string;
}

/** Names and addresses of one run: a namespace, its bridge and one tap and address per VM. */
export interface NetworkPlan {
  /** Network namespace name, `basalt-<id>`. */
  namespace: string;
  /** The run's short id (hex), also used to name work directories. */
  id: string;
  subnet: string;
  prefixLength: number;
  bridge: { name: string; ip: string; cidr: string };
  vms: VmAddress[];
}

export interface NetworkPlanRequest {
  /** VM names: lowercase hostnames, unique. */
  vms: readonly string[];
  /** IPv4 network of the bridge, /16 to /29, e.g. 10.77.0.0/24 (the default). */
  subnet?: string;
  /** Short id that names the namespace; random when not given. */
  id?: string;
}

const hostname = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

/** Parses a dotted IPv4 address into a number; undefined if it is not one. */
export function ipv4ToNumber(ip: string): number | undefined {
  const parts = ip.split(".");
  if (parts.length !== 4) return undefined;
  let n = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255) return undefined;
    n = n * 256 + Number(p);
  }
  return n;
}

export function numberToIpv4(n: number): string {
  return [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join(".");
}

/** `{ network, prefixLength }` of an IPv4 CIDR, or a BasaltError that says what is wrong. */
export function parseCidr(cidr: string): { network: number; prefixLength: number } {
  const m = /^([\d.]+)\/(\d{1,2})$/.exec(cidr);
  const base = m ? ipv4ToNumber(m[1]!) : undefined;
  const prefixLength = m ? Number(m[2]) : Number.NaN;
  if (base === undefined || !(prefixLength >= 0 && prefixLength <= 32))
    throw new BasaltError("invalid_argument", `subnet "${cidr}" is not an IPv4 CIDR`, {
      hint: `e.g. ${defaultSubnet}`,
    });
  const size = 2 ** (32 - prefixLength);
  if (base % size !== 0)
    throw new BasaltError("invalid_argument", `subnet "${cidr}" has host bits set`, {
      hint: `use ${numberToIpv4(base - (base % size))}/${prefixLength}`,
    });
  return { network: base, prefixLength };
}

/** Whether `ip` lies in `cidr`. */
export function cidrContains(cidr: string, ip: string): boolean {
  const { network, prefixLength } = parseCidr(cidr);
  const n = ipv4ToNumber(ip);
  return n !== undefined && Math.floor(n / 2 ** (32 - prefixLength)) === network / 2 ** (32 - prefixLength);
}

/** A new short run id: 8 hex characters (the namespace name stays short in `ip netns list`). */
export function newRunId(): string {
  return randomBytes(4).toString("hex");
}

/**
 * Plans a run: namespace `basalt-<id>`, bridge `br0` on the subnet's first address, VM i on tap `tap<i>`
 * with address `firstVmHost + i` and MAC `52:54:00:ba:<i>` (qemu's prefix; unique per VM — each run
 * is its own L2 segment, so MACs need not differ between runs). Fails, saying why, on a bad subnet,
 * a name that is not a hostname, a repeated name, or more VMs than the subnet holds.
 */
export function planNetwork(req: NetworkPlanRequest): NetworkPlan {
  const id = req.id ?? newRunId();
  if (!/^[a-z0-9]{1,12}$/.test(id))
    throw new BasaltError("invalid_argument", `run id "${id}" must be 1–12 characters of [a-z0-9]`);
  const subnet = req.subnet ?? defaultSubnet;
  const { network, prefixLength } = parseCidr(subnet);
  if (prefixLength < 16 || prefixLength > 29)
    throw new BasaltError("invalid_argument", `subnet ${subnet}: the prefix must be /16 to /29`);
  if (req.vms.length === 0) throw new BasaltError("invalid_argument", "no VMs in the plan");
  const seen = new Set<string>();
  for (const name of req.vms) {
    if (!hostname.test(name))
      throw new BasaltError("invalid_argument", `VM name "${name}" is not a lowercase hostname`, {
        hint: "use letters, digits and '-', e.g. node-a",
      });
    if (seen.has(name)) throw new BasaltError("invalid_argument", `VM name "${name}" is given twice`);
    seen.add(name);
  }
  const broadcast = network + 2 ** (32 - prefixLength) - 1;
  const last = network + firstVmHost + req.vms.length - 1;
  if (last >= broadcast)
    throw new BasaltError(
      "invalid_argument",
      `subnet ${subnet} has no room for ${req.vms.length} VMs from host .${firstVmHost}`,
      { hint: "use a larger subnet, e.g. a /24" },
    );
  if (req.vms.length > 0xffff) throw new BasaltError("invalid_argument", "more than 65535 VMs");
  const bridgeIp = numberToIpv4(network + 1);
  return {
    namespace: `${namespacePrefix}${id}`,
    id,
    subnet,
    prefixLength,
    bridge: { name: "br0", ip: bridgeIp, cidr: `${bridgeIp}/${prefixLength}` },
    vms: req.vms.map((name, index) => {
      const ip = numberToIpv4(network + firstVmHost + index);
      const hex = (n: number) => n.toString(16).padStart(2, "0");
      return {
        name,
        index,
        tap: `tap${index}`,
        ip,
        cidr: `${ip}/${prefixLength}`,
        mac: `52:54:00:ba:${hex(index >> 8)}:${hex(index & 0xff)}`,
      };
    }),
  };
}
