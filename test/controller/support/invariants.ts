import type { KubeClient } from "@basalt/kube";
import {
  annotationKeys,
  cordonOwner,
  isInProgress,
  matchesSelector,
  resolvePlanSpec,
  resolveQuantity,
  type UpgradePhase,
  type UpgradePlanSpec,
} from "@basalt/rollout";
import { readyPods, type Workload } from "./workloads.ts";

/**
 * The safety invariants of a rollout, sampled continuously from the apiserver itself (not from the
 * controller): unavailable nodes within the budget, globally and per zone; no PodDisruptionBudget's
 * floor broken; and, at the end, no node left cordoned by us. Nodes unavailable for reasons other
 * than ours are counted too, exactly as the budget counts them.
 */
interface RawNode {
  metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: { unschedulable?: boolean };
  status?: { conditions?: { type: string; status: string }[] };
}

export interface Sample {
  at: number;
  unavailable: number;
  zones: Record<string, number>;
}

export class InvariantMonitor {
  readonly violations: string[] = [];
  samples = 0;
  maxUnavailable = 0;
  readonly maxZone: Record<string, number> = {};
  readonly #kube: KubeClient;
  readonly #spec: ReturnType<typeof resolvePlanSpec>;
  readonly #workloads: readonly Workload[];
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> = Promise.resolve();
  #stopped = false;

  constructor(kube: KubeClient, spec: UpgradePlanSpec, workloads: readonly Workload[] = []) {
    this.#kube = kube;
    this.#spec = resolvePlanSpec(spec);
    this.#workloads = workloads;
  }

  start(intervalMs = 250): void {
    const loop = async () => {
      if (this.#stopped) return;
      this.#running = this.sample().catch(() => {});
      await this.#running;
      if (!this.#stopped) this.#timer = setTimeout(loop, intervalMs);
    };
    void loop();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#running;
  }

  async sample(): Promise<void> {
    const nodes = await this.#kube.request<{ items: RawNode[] }>({ method: "GET", path: "/api/v1/nodes" });
    const scope = nodes.items.filter((n) =>
      matchesSelector(this.#spec.nodeSelector, n.metadata.labels ?? {}),
    );
    const zoneOf = (n: RawNode) => n.metadata.labels?.[this.#spec.budget.zoneLabel] ?? "";
    const size = new Map<string, number>();
    const down = new Map<string, number>();
    let unavailable = 0;
    const which: string[] = [];
    for (const n of scope) {
      const zone = zoneOf(n);
      size.set(zone, (size.get(zone) ?? 0) + 1);
      const ready = n.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") ?? false;
      const phase = n.metadata.annotations?.[annotationKeys.phase] as UpgradePhase | undefined;
      if (!ready || n.spec?.unschedulable || (phase && isInProgress(phase))) {
        unavailable++;
        down.set(zone, (down.get(zone) ?? 0) + 1);
        which.push(
          `${n.metadata.name}(${[!ready && "NotReady", n.spec?.unschedulable && "cordoned", phase].filter(Boolean).join(",")})`,
        );
      }
    }
    const max = resolveQuantity(this.#spec.budget.maxUnavailable, scope.length);
    const now = new Date().toISOString();
    if (unavailable > max) {
      this.violations.push(`${now}: ${unavailable} nodes unavailable > budget ${max}: ${which.join(" ")}`);
    }
    this.maxUnavailable = Math.max(this.maxUnavailable, unavailable);
    for (const [zone, n] of size) {
      const zoneMax =
        this.#spec.budget.perZone === undefined ? max : resolveQuantity(this.#spec.budget.perZone, n);
      const used = down.get(zone) ?? 0;
      this.maxZone[zone] = Math.max(this.maxZone[zone] ?? 0, used);
      if (used > zoneMax) this.violations.push(`${now}: zone ${zone}: ${used} unavailable > ${zoneMax}`);
    }
    for (const w of this.#workloads) {
      const pods = await this.#kube.request<Parameters<typeof readyPods>[0]>({
        method: "GET",
        path: `/api/v1/namespaces/${w.namespace}/pods`,
        query: { labelSelector: `app=${w.name}` },
      });
      const ready = readyPods(pods, w.name);
      const floor = "minAvailable" in w.pdb ? w.pdb.minAvailable : w.replicas - w.pdb.maxUnavailable;
      if (ready < floor)
        this.violations.push(`${now}: ${w.namespace}/${w.name}: ${ready} Ready < PDB floor ${floor}`);
    }
    this.samples++;
  }
}

/** Nodes still cordoned by us (the end-of-rollout invariant), and nodes cordoned at all. */
export async function cordoned(kube: KubeClient): Promise<{ ours: string[]; any: string[] }> {
  const nodes = await kube.request<{ items: RawNode[] }>({ method: "GET", path: "/api/v1/nodes" });
  const any = nodes.items.filter((n) => n.spec?.unschedulable).map((n) => n.metadata.name);
  const ours = nodes.items
    .filter(
      (n) => n.spec?.unschedulable && n.metadata.annotations?.[annotationKeys.cordonedBy] === cordonOwner,
    )
    .map((n) => n.metadata.name);
  return { ours, any };
}
