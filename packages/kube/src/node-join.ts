import { BasaltError } from "@basalt/machinery";
import {
  CoreV1Api,
  type KubeConfig,
  RbacAuthorizationV1Api,
  type V1ClusterRoleBinding,
  type V1Secret,
} from "@kubernetes/client-node";
import { apiFailure, kubeError } from "./api-errors.ts";

/**
 * What a cluster needs before real kubelets can join it with the TLS bootstrap flow, as kubeadm sets
 * it up: a bootstrap token Secret (kubelet's first credential) and the RBAC that lets its holders
 * ask for a client certificate, has those requests approved automatically (and later renewals by the
 * nodes themselves), and lets nodes run kube-proxy with the kubelet's certificate. The objects are
 * built by a pure function (`nodeJoinObjects`) and applied by `prepareNodeJoin`.
 */

/** `<id>.<secret>`: 6 and 16 characters of [a-z0-9], the apiserver's bootstrap token format. */
const tokenFormat = /^([a-z0-9]{6})\.([a-z0-9]{16})$/;

/** The extra group bootstrap-token holders get besides system:bootstrappers. */
export const bootstrapWorkerGroup = "system:bootstrappers:worker";

export interface NodeJoinOptions {
  /** When the token stops working (the tokencleaner controller deletes it then); default never. */
  expiration?: Date;
  /** Shown in the Secret; default "Basalt nodes join with this token". */
  description?: string;
}

export interface NodeJoinObjects {
  secret: V1Secret;
  clusterRoleBindings: V1ClusterRoleBinding[];
}

function binding(name: string, clusterRole: string, group: string): V1ClusterRoleBinding {
  return {
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "ClusterRoleBinding",
    metadata: { name, labels: { "app.kubernetes.io/managed-by": "basalt" } },
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: clusterRole },
    subjects: [{ apiGroup: "rbac.authorization.k8s.io", kind: "Group", name: group }],
  };
}

/** Splits a bootstrap token into id and secret, or says what is wrong with it (never echoing it). */
export function parseBootstrapToken(token: string): { id: string; secret: string } {
  const m = tokenFormat.exec(token);
  if (!m)
    throw new BasaltError("invalid_argument", "the bootstrap token is not <6 of [a-z0-9]>.<16 of [a-z0-9]>", {
      hint: "use the token of `basaltctl gen secrets` (or generateBootstrapToken from @basalt/pki)",
    });
  return { id: m[1]!, secret: m[2]! };
}

/** The Secret and ClusterRoleBindings that `prepareNodeJoin` applies, for `token`. */
export function nodeJoinObjects(token: string, options: NodeJoinOptions = {}): NodeJoinObjects {
  const { id, secret } = parseBootstrapToken(token);
  const secretObject: V1Secret = {
    apiVersion: "v1",
    kind: "Secret",
    type: "bootstrap.kubernetes.io/token",
    metadata: {
      name: `bootstrap-token-${id}`,
      namespace: "kube-system",
      labels: { "app.kubernetes.io/managed-by": "basalt" },
    },
    stringData: {
      description: options.description ?? "Basalt nodes join with this token",
      "token-id": id,
      "token-secret": secret,
      "usage-bootstrap-authentication": "true",
      "usage-bootstrap-signing": "true",
      "auth-extra-groups": bootstrapWorkerGroup,
      ...(options.expiration
        ? { expiration: options.expiration.toISOString().replace(/\.\d{3}Z$/, "Z") }
        : {}),
    },
  };
  return {
    secret: secretObject,
    clusterRoleBindings: [
      // Token holders may create CertificateSigningRequests…
      binding("basalt:kubelet-bootstrap", "system:node-bootstrapper", "system:bootstrappers"),
      // …which the csrapproving controller approves for them (the first client certificate)…
      binding(
        "basalt:node-autoapprove-bootstrap",
        "system:certificates.k8s.io:certificatesigningrequests:nodeclient",
        "system:bootstrappers",
      ),
      // …and for nodes renewing their own certificate (rotation).
      binding(
        "basalt:node-autoapprove-certificate-rotation",
        "system:certificates.k8s.io:certificatesigningrequests:selfnodeclient",
        "system:nodes",
      ),
      // kube-proxy on a Basalt node uses the kubelet's client certificate (user system:node:<name>).
      binding("basalt:node-proxier", "system:node-proxier", "system:nodes"),
    ],
  };
}

/** What `prepareNodeJoin` did. */
export interface NodeJoinResult {
  /** `kube-system/bootstrap-token-<id>` */
  secret: string;
  clusterRoleBindings: string[];
}

/**
 * Creates (or, when they exist, replaces) the bootstrap token Secret and the RBAC of
 * `nodeJoinObjects` with `kc`'s identity, which must be allowed to (an admin). Idempotent: running it
 * again with the same token changes nothing; with another token it adds that token.
 */
export async function prepareNodeJoin(
  kc: KubeConfig,
  token: string,
  options: NodeJoinOptions = {},
): Promise<NodeJoinResult> {
  const objects = nodeJoinObjects(token, options);
  const core = kc.makeApiClient(CoreV1Api);
  const rbac = kc.makeApiClient(RbacAuthorizationV1Api);
  const name = objects.secret.metadata!.name!;
  await createOrReplace(
    `create Secret kube-system/${name}`,
    () => core.createNamespacedSecret({ namespace: "kube-system", body: objects.secret }),
    () => core.replaceNamespacedSecret({ name, namespace: "kube-system", body: objects.secret }),
  );
  for (const crb of objects.clusterRoleBindings) {
    const crbName = crb.metadata!.name!;
    await createOrReplace(
      `create ClusterRoleBinding ${crbName}`,
      () => rbac.createClusterRoleBinding({ body: crb }),
      () => rbac.replaceClusterRoleBinding({ name: crbName, body: crb }),
    );
  }
  return {
    secret: `kube-system/${name}`,
    clusterRoleBindings: objects.clusterRoleBindings.map((c) => c.metadata!.name!),
  };
}

async function createOrReplace(
  what: string,
  create: () => Promise<unknown>,
  replace: () => Promise<unknown>,
) {
  try {
    await create();
  } catch (err) {
    if (apiFailure(err).code !== 409) throw kubeError(what, err);
    try {
      await replace();
    } catch (again) {
      throw kubeError(what.replace(/^create/, "replace"), again);
    }
  }
}
