import { BasaltError } from "@basalt/machinery";
import { kubernetesBinaries } from "@basalt/testkit/k8s-binaries";
import type { Versions } from "./versions.ts";

/** The things tools/k8s builds, each cached in its own directory. */
export const componentNames = [
  "kubernetes",
  "kube-proxy",
  "kube",
  "containerd",
  "runc",
  "cni-plugins",
  "pause",
] as const;
export type ComponentName = (typeof componentNames)[number];

/** The programs of the `kube` multi-call binary (symlinks to it in its bin dir). */
export const multicallPrograms = [
  "kube-apiserver",
  "kube-controller-manager",
  "kube-scheduler",
  "kubelet",
  "kube-proxy",
] as const;

/** The CNI plugins a node's bridge network needs. */
export const cniPlugins = ["bridge", "host-local", "loopback", "portmap"] as const;

/** Where the pause OCI archive is in the pause component's directory (and, by name, in the image). */
export const pauseArchiveName = (pauseVersion: string) => `pause-${pauseVersion}.oci.tar`;

/** containerd's default sandbox image name: the pause archive is imported under it. */
export const pauseImageName = (pauseVersion: string) => `registry.k8s.io/pause:${pauseVersion}`;

/** One cache entry: `<cacheRoot>/k8s/<key>/bin` holds `outputs`, `stamp` records what built them. */
export interface ComponentPlan {
  name: ComponentName;
  /** Directory name under `<cache>/k8s`: versions and recipe revision, so a bump is a new directory. */
  key: string;
  /** Written after a successful build; a mismatch (or a missing output) means "build again". */
  stamp: string;
  outputs: readonly string[];
}

/**
 * Recipe revisions: bump one when its flags, outputs or layout change. It is part of that
 * component's key, so only that component is rebuilt. (The Kubernetes directory keeps the key and
 * stamp format of the shell script it replaced, so existing caches stay valid.)
 */
export const recipeRevisions: Readonly<Record<ComponentName, number>> = {
  kubernetes: 1,
  "kube-proxy": 1,
  kube: 1,
  containerd: 1,
  runc: 1,
  "cni-plugins": 1,
  pause: 1,
};

const stampOf = (fields: [string, string | number][]) =>
  `${fields.map(([k, v]) => `${k}=${v}`).join("\n")}\n`;

/** The cache key, stamp and outputs of one component for these pins. Pure. */
export function planComponent(name: ComponentName, v: Versions): ComponentPlan {
  const rev = recipeRevisions[name];
  switch (name) {
    case "kubernetes":
      return {
        name,
        key: `${v.kubernetes}-etcd${v.etcd}-kwok${v.kwok}`,
        stamp: stampOf([
          ["recipe", rev],
          ["kubernetes", v.kubernetes],
          ["etcd", v.etcd],
          ["kwok", v.kwok],
        ]),
        outputs: kubernetesBinaries,
      };
    case "kube-proxy":
      return {
        name,
        key: `kube-proxy-${v.kubernetes}-r${rev}`,
        stamp: stampOf([
          ["recipe", rev],
          ["kubernetes", v.kubernetes],
        ]),
        outputs: ["kube-proxy"],
      };
    case "kube":
      return {
        name,
        key: `kube-${v.kubernetes}-r${rev}`,
        stamp: stampOf([
          ["recipe", rev],
          ["kubernetes", v.kubernetes],
        ]),
        outputs: ["kube", ...multicallPrograms],
      };
    case "containerd":
      return {
        name,
        key: `containerd-${v.containerd}-r${rev}`,
        stamp: stampOf([
          ["recipe", rev],
          ["containerd", v.containerd],
        ]),
        outputs: ["containerd", "containerd-shim-runc-v2"],
      };
    case "runc":
      return {
        name,
        key: `runc-${v.runc}-r${rev}`,
        stamp: stampOf([
          ["recipe", rev],
          ["runc", v.runc],
        ]),
        outputs: ["runc"],
      };
    case "cni-plugins":
      return {
        name,
        key: `cni-plugins-${v.cniPlugins}-r${rev}`,
        stamp: stampOf([
          ["recipe", rev],
          ["cni-plugins", v.cniPlugins],
        ]),
        outputs: cniPlugins,
      };
    case "pause":
      return {
        name,
        key: `pause-${v.pause}-k8s${v.kubernetes}-r${rev}`,
        stamp: stampOf([
          ["recipe", rev],
          ["pause", v.pause],
          ["kubernetes", v.kubernetes],
        ]),
        outputs: ["pause", pauseArchiveName(v.pause)],
      };
  }
}

/** Parses component names from the command line; `all` means every component. */
export function selectComponents(args: readonly string[]): ComponentName[] {
  if (args.length === 0) return ["kubernetes"];
  const out = new Set<ComponentName>();
  for (const a of args) {
    if (a === "all") for (const n of componentNames) out.add(n);
    else if ((componentNames as readonly string[]).includes(a)) out.add(a as ComponentName);
    else
      throw new BasaltError("invalid_argument", `unknown component '${a}'`, {
        hint: `known: ${componentNames.join(", ")}, all`,
      });
  }
  return componentNames.filter((n) => out.has(n));
}
