/**
 * The one list of the Kubernetes binaries: tools/k8s/build.ts builds exactly these into its
 * Kubernetes cache directory, and the testkit (and BASALT_K8S_BIN) check a directory against them.
 * Pure data, so the build tool imports it without loading the rest of the testkit.
 */

/** Everything the Kubernetes build produces, in build order. */
export const kubernetesBinaries = [
  "kube-apiserver",
  "kube-controller-manager",
  "kube-scheduler",
  "kubelet",
  "kubectl",
  "etcd",
  "kwok",
] as const;

/** What a directory given as BASALT_K8S_BIN must hold (kubectl may come from elsewhere). */
export const requiredKubernetesBinaries = [
  "etcd",
  "kube-apiserver",
  "kube-controller-manager",
  "kube-scheduler",
  "kubelet",
  "kwok",
] as const;

/** Binaries the control plane and kwok need; kubelet and kubectl are optional here. */
export const controlPlaneBinaries = [
  "etcd",
  "kube-apiserver",
  "kube-controller-manager",
  "kube-scheduler",
  "kwok",
] as const;

/** The `cmd/` packages of k8s.io/kubernetes among them. */
export const kubernetesCmds = [
  "kube-apiserver",
  "kube-controller-manager",
  "kube-scheduler",
  "kubelet",
  "kubectl",
] as const;

export type KubernetesBinary = (typeof kubernetesBinaries)[number];
