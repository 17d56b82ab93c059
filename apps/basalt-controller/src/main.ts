import { readFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { KubeClient, resolveEndpoint } from "@basalt/kube";
import { BasaltError, toBasaltError } from "@basalt/machinery";
import { pino } from "pino";
import { BasaltNodeAgent } from "./agent/basalt-node-agent.ts";
import { ControllerApp } from "./app/controller-app.ts";
import { leaseElector } from "./app/leader.ts";
import { startMetricsServer } from "./app/metrics-server.ts";
import { ControllerMetrics } from "./metrics/controller-metrics.ts";

/**
 * basalt-controller's composition root: flags → Kubernetes client, node agent, leader election,
 * metrics server, and the controller itself. SIGTERM stops acting, hands the Lease over and exits.
 */
const usage = `basalt-controller [flags]
  --kubeconfig FILE        (default $KUBECONFIG, in-cluster, ~/.kube/config)
  --context NAME
  --identity ID            leader-election identity (default hostname-pid)
  --namespace NS           the Lease's namespace (default $POD_NAMESPACE or basalt-system)
  --lease-name NAME        (default basalt-controller)
  --lease-duration S       (default 60)   --renew-deadline S (default 40)   --retry-period S (default 8)
  --metrics-port N         /metrics, /healthz, /readyz (default 8080; 0: off)
  --agent basalt|simulated the node agent (simulated: kwok nodes only)
  --node-api-tls DIR       ca.crt, tls.crt, tls.key for the node API (default /etc/basalt/node-api)
  --max-idle MS            longest sleep between passes when nothing is due (default 300000)
  --log-level LEVEL        (default info)`;

const options = {
  kubeconfig: { type: "string" },
  context: { type: "string" },
  identity: { type: "string" },
  namespace: { type: "string" },
  "lease-name": { type: "string" },
  "lease-duration": { type: "string" },
  "renew-deadline": { type: "string" },
  "retry-period": { type: "string" },
  "metrics-port": { type: "string" },
  "metrics-host": { type: "string" },
  agent: { type: "string" },
  "node-api-tls": { type: "string" },
  "max-idle": { type: "string" },
  "log-level": { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

function number(text: string | undefined, fallback: number, flag: string): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isFinite(n) || n < 0)
    throw new BasaltError("invalid_argument", `--${flag} must be a number ≥ 0`);
  return n;
}

async function main(args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options, strict: true });
  if (values.help) {
    console.log(usage);
    return;
  }
  const identity = values.identity ?? `${hostname()}-${process.pid}`;
  const log = pino({ level: values["log-level"] ?? "info", base: { identity } });
  const kube = new KubeClient(resolveEndpoint(values.kubeconfig, values.context));
  const agentKind = values.agent ?? "basalt";
  if (agentKind !== "basalt" && agentKind !== "simulated") {
    throw new BasaltError("invalid_argument", `--agent must be basalt or simulated, not "${agentKind}"`);
  }
  const tlsDir = values["node-api-tls"] ?? "/etc/basalt/node-api";
  const agent =
    agentKind === "simulated"
      ? "simulated"
      : new BasaltNodeAgent({
          tls: {
            ca: readFileSync(join(tlsDir, "ca.crt"), "utf8"),
            cert: readFileSync(join(tlsDir, "tls.crt"), "utf8"),
            key: readFileSync(join(tlsDir, "tls.key"), "utf8"),
          },
        });
  const metrics = new ControllerMetrics({ kubeRequests: () => kube.counts });
  const namespace = values.namespace ?? process.env.POD_NAMESPACE ?? "basalt-system";
  const app = new ControllerApp({
    kube,
    identity,
    // Events about cluster-scoped objects (Nodes, UpgradePlans) must be in "default".
    eventNamespace: "default",
    agent,
    log,
    metrics,
    maxIdleMs: number(values["max-idle"], 300_000, "max-idle"),
    elector: leaseElector(
      kube,
      { namespace, name: values["lease-name"] ?? "basalt-controller", identity },
      {
        // 4× Kubernetes' 15/10/2 s: against a slow apiserver (one control plane under qemu TCG) the
        // controller missed 10 s renewals and, losing the Lease, aborted its node calls in flight. An
        // OS rollout takes minutes per node; a standby taking over within 60 s costs nothing.
        leaseDurationSeconds: number(values["lease-duration"], 60, "lease-duration"),
        renewDeadlineSeconds: number(values["renew-deadline"], 40, "renew-deadline"),
        retryPeriodSeconds: number(values["retry-period"], 8, "retry-period"),
      },
      log,
    ),
  });
  const port = number(values["metrics-port"], 8080, "metrics-port");
  const server =
    port > 0
      ? await startMetricsServer(port, metrics.registry, () => app.synced, values["metrics-host"])
      : undefined;
  app.start();
  log.info({ agent: agentKind, namespace, metricsPort: port, server: kube.endpoint.server }, "started");
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, "stopping");
    void app.stop().finally(() => {
      server?.close();
      process.exit(0);
    });
    setTimeout(() => process.exit(1), 15_000).unref();
  };
  process.once("SIGTERM", () => stop("SIGTERM"));
  process.once("SIGINT", () => stop("SIGINT"));
}

main(process.argv.slice(2)).catch((err: unknown) => {
  const e = toBasaltError(err);
  process.stderr.write(`basalt-controller: ${e.describe()}\n`);
  process.exit(2);
});
