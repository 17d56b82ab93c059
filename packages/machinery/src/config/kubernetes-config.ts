import { z } from "zod";

/** `abcdef.0123456789abcdef`: a bootstrap token (id . secret), as the apiserver's token authenticator wants it. */
export const bootstrapTokenPattern = /^[a-z0-9]{6}\.[a-z0-9]{16}$/;

/** A Kubernetes resource quantity such as `100m`, `512Mi`, `1G` or `1000`. */
const quantity = z.string().regex(/^[0-9]+(\.[0-9]+)?(m|k|Ki|Mi|Gi|Ti|Pi|Ei|M|G|T|P|E)?$/, {
  message: "expected a Kubernetes quantity, e.g. 100m, 512Mi or 1Gi",
});

const quantityOrPercent = z
  .string()
  .regex(/^([0-9]+(\.[0-9]+)?(Ki|Mi|Gi|Ti|k|M|G|T)?|[0-9]{1,3}(\.[0-9]+)?%)$/, {
    message: "expected a quantity (100Mi) or a percentage (10%)",
  });

/** Signals kubelet evicts on (the `evictionHard` keys kubelet accepts). */
const evictionSignals = [
  "memory.available",
  "nodefs.available",
  "nodefs.inodesFree",
  "imagefs.available",
  "imagefs.inodesFree",
  "pid.available",
] as const;

const reserved = z.strictObject({
  cpu: quantity.optional(),
  memory: quantity.optional(),
  "ephemeral-storage": quantity.optional(),
  pid: z
    .string()
    .regex(/^[0-9]+$/, { message: "expected a number of process ids" })
    .optional(),
});

/** Why `key` cannot be a node label or taint key that kubelet sets, or undefined if it can. */
function labelKeyProblem(key: string): string | undefined {
  if (!/^([a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/.test(key))
    return "expected a label key like zone or example.com/rack";
  const prefix = key.includes("/") ? key.slice(0, key.indexOf("/")) : "";
  if (/(^|\.)(kubernetes\.io|k8s\.io)$/.test(prefix) && !/(^|\.)(node|kubelet)\.kubernetes\.io$/.test(prefix))
    return "kubelet may not set labels under kubernetes.io or k8s.io (other than node.kubernetes.io/ and kubelet.kubernetes.io/); node-role labels are set by an admin with kubectl";
  return undefined;
}

const labelKey = z.string().superRefine((key, ctx) => {
  const problem = labelKeyProblem(key);
  if (problem) ctx.addIssue({ code: "custom", message: problem });
});

const labelValue = z.string().regex(/^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/, {
  message: "expected a label value of at most 63 letters, digits, - _ .",
});

const taint = z.strictObject({
  key: labelKey,
  value: labelValue.optional(),
  effect: z.enum(["NoSchedule", "PreferNoSchedule", "NoExecute"]),
});

/**
 * The kubelet settings a machine config may change: a short allow-list, not a free-form escape hatch
 * (everything else is chosen by basaltd so that the node works as a Basalt node).
 */
const kubeletSettings = z
  .strictObject({
    maxPods: z.number().int().min(1).max(1000).optional(),
    evictionHard: z.partialRecord(z.enum(evictionSignals), quantityOrPercent).optional(),
    systemReserved: reserved.optional(),
    kubeReserved: reserved.optional(),
    imageGCHighThresholdPercent: z.number().int().min(1).max(100).optional(),
    imageGCLowThresholdPercent: z.number().int().min(0).max(99).optional(),
    podPidsLimit: z.number().int().min(-1).optional(),
    serializeImagePulls: z.boolean().optional(),
    /** The cluster DNS service's address(es) handed to pods; none: pods get the node's resolv.conf. */
    clusterDNS: z.array(z.ipv4()).optional(),
    clusterDomain: z
      .string()
      .regex(/^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$/, { message: "expected a DNS domain like cluster.local" })
      .optional(),
    /** Ask the cluster to sign kubelet's serving certificate (needs an approver for serving CSRs). */
    serverTLSBootstrap: z.boolean().optional(),
  })
  .refine(
    (k) =>
      k.imageGCHighThresholdPercent === undefined ||
      k.imageGCLowThresholdPercent === undefined ||
      k.imageGCLowThresholdPercent < k.imageGCHighThresholdPercent,
    { message: "imageGCLowThresholdPercent must be below imageGCHighThresholdPercent" },
  );

const certificatePem = z.string().refine((s) => s.includes("-----BEGIN CERTIFICATE-----"), {
  message: "expected a certificate in PEM",
});
const privateKeyPem = z.string().refine((s) => /-----BEGIN ([A-Z]+ )?PRIVATE KEY-----/.test(s), {
  message: "expected a private key in PEM",
});
const keyPairPem = z.strictObject({ cert: certificatePem, key: privateKeyPem });

/**
 * What a control-plane node holds beyond a worker's config: the cluster's CAs and keys (secrets: shown
 * to admins only) and the cluster's address plan. The cluster CA's certificate is `kubernetes.ca`.
 */
export const controlPlaneSchema = z.strictObject({
  /** The cluster CA's private key: kube-controller-manager signs kubelet certificates with it. */
  caKey: privateKeyPem,
  /** Signs etcd's serving and peer certificates and the apiserver's etcd client certificate. */
  etcdCA: keyPairPem,
  /** Signs the apiserver's front-proxy client certificate (aggregation layer). */
  frontProxyCA: keyPairPem,
  /** Signs service-account tokens (private key in PEM; the public half is derived from it). */
  serviceAccountKey: privateKeyPem,
  /** ClusterIP Services come from here; the first address is the `kubernetes` Service. */
  serviceCIDR: z.cidrv4({ message: "expected an IPv4 CIDR such as 10.96.0.0/12" }).default("10.96.0.0/12"),
  /** Node podCIDRs are carved from here by kube-controller-manager. */
  podCIDR: z.cidrv4({ message: "expected an IPv4 CIDR such as 10.244.0.0/16" }).default("10.244.0.0/16"),
  nodeCIDRMaskSize: z.number().int().min(16).max(28).default(24),
  /** More names and addresses for the apiserver's serving certificate (the node IP is always in it). */
  certSANs: z.array(z.string().min(1)).default([]),
  /** Let ordinary pods run on this node too (otherwise it carries node-role.kubernetes.io/control-plane:NoSchedule). */
  schedulable: z.boolean().default(false),
});

export type ControlPlaneConfig = z.infer<typeof controlPlaneSchema>;

/**
 * The `kubernetes:` section of a machine config: this node is a Kubernetes node of one cluster, and
 * basaltd (init mode) runs nothing but Kubernetes on it.
 */
export const kubernetesSchema = z
  .strictObject({
    /** `controlplane` also runs etcd and the control plane (needs `controlPlane:`); `worker` only joins. */
    role: z
      .enum(["worker", "controlplane"], { message: "expected worker or controlplane" })
      .default("worker"),
    clusterName: z
      .string()
      .regex(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/, { message: "expected a short lowercase name" })
      .default("kubernetes"),
    /** The apiserver, e.g. https://10.0.0.1:6443. */
    endpoint: z.url({ protocol: /^https$/, message: "expected an https URL, e.g. https://10.0.0.1:6443" }),
    /** The cluster CA certificate (PEM) that signed the apiserver's serving certificate. */
    ca: z.string().refine((s) => s.includes("-----BEGIN CERTIFICATE-----"), {
      message: "expected the cluster CA certificate in PEM",
    }),
    /** A secret: kubelet's bootstrap credential (`basaltctl gen secrets` makes one). */
    bootstrapToken: z.string().regex(bootstrapTokenPattern, {
      message: "expected a bootstrap token like abcdef.0123456789abcdef ([a-z0-9]{6}.[a-z0-9]{16})",
    }),
    /** The address kubelet reports for this node; default: kubelet picks one. */
    nodeIP: z.ipv4().optional(),
    labels: z
      .record(z.string(), labelValue)
      .superRefine((labels, ctx) => {
        for (const key of Object.keys(labels)) {
          const problem = labelKeyProblem(key);
          if (problem) ctx.addIssue({ code: "custom", path: [key], message: problem });
        }
      })
      .default({}),
    taints: z.array(taint).default([]),
    kubelet: kubeletSettings.prefault({}),
    /** Only with role controlplane: the cluster's secrets and shape that the control plane needs. */
    controlPlane: controlPlaneSchema.optional(),
  })
  .superRefine((k, ctx) => {
    if (k.role === "controlplane" && !k.controlPlane)
      ctx.addIssue({
        code: "custom",
        path: ["controlPlane"],
        message:
          "role controlplane needs a controlPlane section (basaltctl gen config --controlplane writes one)",
      });
    if (k.role === "worker" && k.controlPlane)
      ctx.addIssue({
        code: "custom",
        path: ["controlPlane"],
        message: "a worker carries no control-plane secrets: remove controlPlane or set role: controlplane",
      });
  });

export type KubernetesConfig = z.infer<typeof kubernetesSchema>;
export type KubeletSettings = z.infer<typeof kubeletSettings>;
export type Taint = z.infer<typeof taint>;

/** What stands in for a secret wherever a config is shown to someone who may not see it. */
export const redacted = "<redacted>";

/** A bootstrap token with its secret half hidden: the id still tells which token it is. */
export function redactToken(token: string): string {
  return `${token.split(".")[0] ?? ""}.${redacted}`;
}
