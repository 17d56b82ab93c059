/**
 * Kernel modules a worker needs, loaded (with their dependencies) before containerd starts. The
 * kernel would load some of them on demand through /sbin/modprobe, which a Basalt root does not
 * have, so basaltd loads them all up front: overlay (image layers), bridge/veth/br_netfilter (the
 * pod network), nf_tables with the xtables compatibility layer and the matches kube-proxy and the
 * CNI plugins use through iptables-nft, conntrack and NAT.
 */
export const kubeModules: readonly string[] = [
  "overlay",
  "bridge",
  "br_netfilter",
  "veth",
  "nf_conntrack",
  "nf_nat",
  "nf_tables",
  "nft_compat",
  "nft_chain_nat",
  "nft_ct",
  "nft_masq",
  "nft_nat",
  "nft_redir",
  "nft_reject_inet",
  "nft_limit",
  "xt_MASQUERADE",
  "xt_conntrack",
  "xt_comment",
  "xt_mark",
  "xt_addrtype",
  "xt_multiport",
  "xt_statistic",
  "xt_nat",
  "xt_tcpudp",
  "ipt_REJECT",
  "iptable_nat",
  "iptable_filter",
  "iptable_mangle",
];

/** Sysctls set after the modules (net.bridge.* exists only once br_netfilter is loaded). */
export const kubeSysctls: Readonly<Record<string, string>> = {
  "net.ipv4.ip_forward": "1",
  "net.bridge.bridge-nf-call-iptables": "1",
  "net.bridge.bridge-nf-call-ip6tables": "1",
  "net.ipv4.conf.all.route_localnet": "1",
  // kubelet's defaults; set here so kubelet finds them as it wants them.
  "vm.overcommit_memory": "1",
  "kernel.panic_on_oops": "1",
  "fs.inotify.max_user_instances": "8192",
  "fs.inotify.max_user_watches": "524288",
};

/** The /proc/sys path of a sysctl name. */
export const sysctlPath = (name: string): string => `/proc/sys/${name.replaceAll(".", "/")}`;

/** cgroup v2 controllers kubelet and runc need enabled for children of the root cgroup. */
export const kubeCgroupControllers: readonly string[] = ["cpuset", "cpu", "io", "memory", "hugetlb", "pids"];

/** Names of loaded modules from /proc/modules. */
export function loadedModules(procModules: string): Set<string> {
  return new Set(
    procModules
      .split("\n")
      .map((l) => l.split(" ")[0]!)
      .filter(Boolean),
  );
}

/** Module names from a modules-load.d file: one per line, `#` and `;` start comments. */
export function parseModulesLoad(text: string): string[] {
  return text
    .split("\n")
    .map((l) => l.replace(/[#;].*$/, "").trim())
    .filter(Boolean);
}
