/** What containerd replaces with the Node's podCIDR when it renders the template (Go text/template). */
export const podCidrPlaceholder = "{{.PodCIDR}}";

/** The Linux bridge pods on this node are attached to. */
export const podBridge = "cni0";

/**
 * The pod network of a Basalt worker as a CNI conflist, with the podCIDR given (or the placeholder
 * containerd fills in with the Node's spec.podCIDR: see renderContainerdConfig), so every node hands
 * out addresses from its own range and pod IPs never collide across nodes. `bridge` attaches each
 * pod to cni0, which is the pods' gateway; `host-local` hands out addresses from the node's podCIDR
 * and keeps its leases on STATE (/var/lib/cni); `portmap` serves hostPort. Pods on one node reach
 * each other over the bridge; other nodes' pods through the host routes basaltd keeps (route-keeper.ts,
 * host-gw). `ipMasq` is off: the plugin would masquerade everything leaving the node's own podCIDR,
 * other nodes' pods included; basaltd's nft table `basalt_pods` masquerades only traffic that leaves
 * the pod network (pod-masquerade.ts), so pods see each other's real addresses.
 */
export function renderCniConflist(podCidr: string = podCidrPlaceholder): string {
  const conflist = {
    cniVersion: "1.0.0",
    name: "basalt-pods",
    plugins: [
      {
        type: "bridge",
        bridge: podBridge,
        isGateway: true,
        ipMasq: false,
        hairpinMode: true,
        ipam: {
          type: "host-local",
          ranges: [[{ subnet: podCidr }]],
          routes: [{ dst: "0.0.0.0/0" }],
        },
      },
      { type: "portmap", capabilities: { portMappings: true } },
    ],
  };
  return `${JSON.stringify(conflist, null, 2)}\n`;
}
