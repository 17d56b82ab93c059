import type { KubernetesConfig } from "@basalt/machinery";
import type { ServiceSnapshot } from "../supervisor/service-runner.ts";

/** What loading a list of kernel modules did. */
export interface ModuleLoadReport {
  loaded: string[];
  /** Asked for, and already there (built in, or loaded earlier). */
  present: string[];
  /** The kernel has no such module. */
  missing: string[];
  /** `name: why` for modules that would not load. */
  failed: string[];
}

/**
 * What the Kubernetes phases ask of the machine. Only adapters/linux implements it for real;
 * the phases are tested against a fake.
 */
export interface KubeNodeHost {
  /** Module names the image lists for loading at boot (modules-load.d), if any. */
  listedModules(): Promise<string[]>;
  loadModules(names: readonly string[]): Promise<ModuleLoadReport>;
  setSysctl(name: string, value: string): Promise<void>;
  /** cgroup v2 controllers the kernel offers at the root (cgroup.controllers); throws if /sys/fs/cgroup is not cgroup v2. */
  cgroupControllers(): Promise<string[]>;
  /** Enables controllers for the root's children (cgroup.subtree_control). */
  enableCgroupControllers(names: readonly string[]): Promise<void>;
  writeFile(path: string, text: string, mode: number): Promise<void>;
  mkdirp(path: string): Promise<void>;
  exists(path: string): Promise<boolean>;
  /** Makes `path` a symlink to `target` unless something is already there. */
  ensureSymlink(target: string, path: string): Promise<void>;
  sleep(ms: number): Promise<void>;
}

/** The node's supervisor, as the phases use it. */
export interface KubeServiceControl {
  start(name: string): void;
  snapshot(name: string): ServiceSnapshot;
}

/**
 * Imports an image archive into containerd's CRI namespace, labelled pinned so kubelet's image
 * garbage collection keeps it; returns the image names. (The CRI engineer's importer does it
 * through containerd's API; the phases only need this much of it.)
 */
export interface PinnedImageImporter {
  importPinned(archivePath: string): Promise<string[]>;
}

/** The outcome of asking the apiserver whether it accepts the bootstrap token. */
export interface JoinCheckResult {
  ok: boolean;
  message: string;
}

/** Checks the bootstrap token against the apiserver before kubelet first tries it. */
export type JoinCheck = (k8s: KubernetesConfig) => Promise<JoinCheckResult>;
