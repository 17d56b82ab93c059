/** What containerd replaces with the Node's podCIDR when it renders the template (Go text/template). */
export const podCidrPlaceholder = "{{.PodCIDR}}";

/** The Linux bridge pods on this node are attached to. */
export const podBridge = "cni0";

/**
 * The pod network of a Basalt worker as a CNI conflist, with the podCIDR given (or the placeholder
 * containerd fills in: see renderContainerdConfig). `bridge` attaches each pod to cni0, which is the
 * pods' gateway; `host-local` hands out addresses from the node's podCIDR and keeps its leases on
 * STATE (/var/lib/cni); `ipMasq` lets pods reach addresses off the pod network; `portmap` serves
 * hostPort. Pods on one node reach each other over the bridge; other nodes' pods would need routes
 * between nodes (not set up here: one node's pods talk directly, cross-node traffic goes through
 * Services).
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
        ipMasq: true,
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
