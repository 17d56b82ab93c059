import { canonicalCidr } from "./pod-routes.ts";

/** The nftables table basaltd owns for pod masquerade; nothing else writes it, and basaltd writes nothing else. */
export const podMasqueradeTable = "basalt_pods";

/**
 * The nft script that makes this node's pods reach addresses outside the pod network (node
 * addresses, the apiserver, anything beyond) from the node's own address, while traffic between
 * pod CIDRs keeps its pod source address: host-gw routing needs no NAT between pods, and a pod must
 * see its peer's real IP. (The CNI bridge plugin's `ipMasq` would masquerade everything leaving the
 * node's own podCIDR, other nodes' pods included, so it is off: see cni-config.ts.) One
 * transaction replaces the whole table, so a reader never sees it half written; multicast is left
 * alone as the bridge plugin leaves it. Without an own podCIDR the table is removed.
 */
export function renderPodMasquerade(ownPodCidr: string | undefined, podCidrs: readonly string[]): string {
  // Create-then-delete makes the delete succeed whether or not the table existed.
  const head = `table ip ${podMasqueradeTable}\ndelete table ip ${podMasqueradeTable}\n`;
  if (ownPodCidr === undefined) return head;
  const all = [...new Set([ownPodCidr, ...podCidrs])].map((c) => {
    if (canonicalCidr(c) !== c) throw new Error(`not a canonical IPv4 CIDR: ${c}`);
    return c;
  });
  return `${head}table ip ${podMasqueradeTable} {
  set pod_cidrs {
    type ipv4_addr
    flags interval
    elements = { ${all.join(", ")} }
  }
  chain postrouting {
    type nat hook postrouting priority srcnat; policy accept;
    ip saddr ${ownPodCidr} ip daddr != @pod_cidrs ip daddr != 224.0.0.0/4 masquerade
  }
}
`;
}
