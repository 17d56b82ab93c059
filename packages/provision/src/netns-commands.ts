import type { NetworkPlan } from "./address-plan.ts";

/**
 * The `ip` (iproute2) command lines that build and tear down a plan's namespace, as data: they can
 * be read and tested without root, and the runner in netns.ts executes them in order.
 *
 * What is built: the namespace with `lo` up, a bridge with the plan's address, and one persistent tap
 * per VM enslaved to it. Nothing else: no veth to the host, no route out, no NAT, and IPv4 forwarding
 * stays off (a new namespace starts with it off), so a VM's packets can reach the bridge and the other
 * VMs and nothing beyond. qemu, started inside the namespace, opens its tap by name.
 */
export type Argv = readonly string[];

export function setupCommands(plan: NetworkPlan): Argv[] {
  const ns = plan.namespace;
  const br = plan.bridge.name;
  const inNs = (...args: string[]): Argv => ["ip", "-n", ns, ...args];
  return [
    ["ip", "netns", "add", ns],
    inNs("link", "set", "lo", "up"),
    // STP off and no forward delay: a tap forwards as soon as qemu opens it.
    inNs("link", "add", br, "type", "bridge", "stp_state", "0", "forward_delay", "0"),
    inNs("addr", "add", plan.bridge.cidr, "dev", br),
    inNs("link", "set", br, "up"),
    ...plan.vms.flatMap((vm) => [
      inNs("tuntap", "add", "dev", vm.tap, "mode", "tap"),
      inNs("link", "set", vm.tap, "master", br),
      inNs("link", "set", vm.tap, "up"),
    ]),
  ];
}

/**
 * Removing the namespace removes everything in it (bridge, taps, addresses) once no process holds it:
 * the runner ends the processes inside first (`ip netns pids`).
 */
export function teardownCommands(namespace: string): Argv[] {
  return [["ip", "netns", "delete", namespace]];
}

/** The prefix that runs a program inside the namespace: `ip netns exec NS program args…`. */
export function execPrefix(namespace: string): Argv {
  return ["ip", "netns", "exec", namespace];
}
