import type { Command } from "../../cli/command.ts";
import { lazyCommands } from "../../cli/lazy-commands.ts";

const force = { force: { type: "boolean" } } as const;

export const genCommands: Command[] = lazyCommands(() => import("./gen-run.ts"), {
  genReleaseKey: {
    path: ["gen", "release-key"],
    summary: "an Ed25519 key pair that signs update bundles (release.key 0600, release.pub)",
    usage: "basaltctl gen release-key [--out release] [--force]",
    options: { out: { type: "string" }, ...force },
  },
  genSecrets: {
    path: ["gen", "secrets"],
    summary:
      "a new node API CA and the whole Kubernetes cluster PKI: cluster, etcd and front-proxy CAs, service-account key, bootstrap token (secrets.yaml, 0600)",
    usage: "basaltctl gen secrets [--out secrets.yaml] [--force | --upgrade]",
    options: { out: { type: "string" }, upgrade: { type: "boolean" }, ...force },
  },
  genConfig: {
    path: ["gen", "config"],
    summary: "machine configs for the named nodes and an admin client config",
    usage:
      "basaltctl gen config --secrets secrets.yaml (--node NAME=ADDRESS[:PORT]... | [--controlplane NAME=IPV4[/PREFIX] [--pod-cidr CIDR] [--service-cidr CIDR] [--cert-san ADDR]... [--schedulable]] [--kubernetes-endpoint https://ADDR:6443] [--worker NAME=IPV4[/PREFIX]...] [--gateway IPV4] [--cluster-name N] [--api-san ADDR]...) [--out DIR] [--context NAME] [--logs-root DIR] [--force]",
    options: {
      secrets: { type: "string" },
      node: { type: "string", multiple: true },
      worker: { type: "string", multiple: true },
      controlplane: { type: "string" },
      "pod-cidr": { type: "string" },
      "service-cidr": { type: "string" },
      "cert-san": { type: "string", multiple: true },
      schedulable: { type: "boolean" },
      "kubernetes-endpoint": { type: "string" },
      gateway: { type: "string" },
      "cluster-name": { type: "string" },
      "api-san": { type: "string", multiple: true },
      out: { type: "string" },
      "context-name": { type: "string" },
      "logs-root": { type: "string" },
      ...force,
    },
  },
  genClient: {
    path: ["gen", "client"],
    summary: "a client config for another role (nodes copied from the current client config)",
    usage:
      "basaltctl gen client --role os:reader|os:operator|os:admin|os:upgrader --name NAME [--secrets secrets.yaml] [--out FILE] [--node NAME=ADDRESS...] [--tls-dir DIR]\n" +
      "  --tls-dir DIR: write ca.crt, tls.crt, tls.key instead (the upgrade controller's node-API Secret:\n" +
      "  basaltctl gen client --role os:upgrader --name basalt-controller --tls-dir node-api)",
    options: {
      role: { type: "string" },
      "tls-dir": { type: "string" },
      name: { type: "string" },
      secrets: { type: "string" },
      out: { type: "string" },
      node: { type: "string", multiple: true },
      ...force,
    },
  },
  genSecretsRotate: {
    path: ["gen", "secrets", "rotate"],
    summary: "a new node API CA, per-node overlap and final config patches, and a new admin client config",
    usage:
      "basaltctl gen secrets rotate [--secrets secrets.yaml] [--out rotate] [--node NAME=ADDRESS...] [--force]",
    options: {
      secrets: { type: "string" },
      out: { type: "string" },
      node: { type: "string", multiple: true },
      force: { type: "boolean" },
    },
  },
});
