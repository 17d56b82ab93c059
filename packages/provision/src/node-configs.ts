import type { ClientConfig, MachineConfigInput } from "@basalt/machinery";
import { issueLeaf, type KeyPairPem } from "@basalt/pki";
import type { NetworkPlan, VmAddress } from "./address-plan.ts";

/** The port basaltd's API listens on inside a VM. */
export const nodeApiPort = 50000;

/**
 * The machine config of one VM of a plan: init mode, the API on 0.0.0.0:50000 with a serving
 * certificate for the VM's bridge address, its name and 127.0.0.1 (where the host reaches it through
 * a forward), and eth0 statically addressed on the bridge. The default route points at the bridge
 * address: the namespace has no route out, so nothing leaves it, but programs that pick "the
 * interface of the default route" (kubelet's node IP) find eth0.
 */
export async function vmMachineConfig(
  plan: NetworkPlan,
  vm: VmAddress,
  osCa: KeyPairPem,
  options: { labels?: Record<string, string> } = {},
): Promise<MachineConfigInput> {
  const serving = await issueLeaf(osCa, {
    commonName: vm.name,
    ips: [vm.ip, "127.0.0.1"],
    dnsNames: [vm.name],
    usage: "server",
  });
  return {
    apiVersion: "basalt.dev/v1alpha1",
    kind: "MachineConfig",
    node: { name: vm.name, mode: "init", labels: options.labels ?? {} },
    api: { listen: `0.0.0.0:${nodeApiPort}`, ca: osCa.cert, cert: serving.cert, key: serving.key },
    network: {
      hostname: vm.name,
      interfaces: [{ name: "eth0", addresses: [vm.cidr], routes: [{ to: "default", via: plan.bridge.ip }] }],
      nameservers: [],
    },
    services: [],
  };
}

/**
 * An admin (os:admin) client config whose context lists every VM at its host-side endpoint
 * (`127.0.0.1:<forwarded port>`), for basaltctl and @basalt/client.
 */
export async function adminClientConfig(
  osCa: KeyPairPem,
  nodes: readonly { name: string; endpoint: string; labels?: Record<string, string> }[],
  contextName = "basalt",
): Promise<ClientConfig> {
  const admin = await issueLeaf(osCa, { commonName: "admin", organizations: ["os:admin"], usage: "client" });
  return {
    context: contextName,
    contexts: {
      [contextName]: {
        nodes: nodes.map((n) => ({ name: n.name, endpoint: n.endpoint, labels: n.labels ?? {} })),
        ca: osCa.cert,
        cert: admin.cert,
        key: admin.key,
      },
    },
  };
}
