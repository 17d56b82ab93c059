/**
 * @basalt/testkit: test machinery only — never imported by production code (an import-graph test
 * checks). A real Kubernetes control plane on loopback, kwok and its stages, the SIMULATED nodes'
 * side of an upgrade, the node-agent contract suite, in-memory Lease locks, ports and waits.
 */
export { k8sBinDir, type NodeComponent, nodeComponentDirs, repoRoot, requiredBinaries } from "./bin-dir.ts";
export { Component } from "./component.ts";
export {
  ControlPlane,
  type ControlPlaneNetwork,
  type ControlPlaneOptions,
  firstServiceIp,
  nodeJoinArgs,
  type StartupTimings,
  startControlPlane,
} from "./control-plane.ts";
export type { ControlPlanePorts, NodeJoinArgs } from "./control-plane-args.ts";
export {
  createKwokNodes,
  isNodeReady,
  isNodeSchedulable,
  type Kwok,
  type KwokNodeObject,
  type KwokNodesOptions,
  type KwokOptions,
  kwokNode,
  kwokNodeAnnotation,
  kwokPodReadyDelayAnnotation,
  kwokStagesPath,
  startKwok,
  waitForNodesReady,
} from "./kwok.ts";
export { simulationStagesYaml } from "./kwok-stages.ts";
export { MemoryLeaseLock, SeverableLeaseLock } from "./lease-locks.ts";
export { freePort, freePorts, httpsGet } from "./net.ts";
export {
  type NetnsCluster,
  type NetnsClusterOptions,
  type NetnsClusterVm,
  type NetnsKubernetes,
  startNetnsCluster,
} from "./netns-cluster.ts";
export { type ContractCase, type ContractSubject, nodeAgentContract } from "./node-agent-contract.ts";
export { type NodeScaleResult, timeKwokNodes } from "./node-scale.ts";
export { type UseControlPlaneOptions, useControlPlane } from "./node-test.ts";
export { type CertKeyPem, createTestCa, issueCert, type TestCa } from "./pki.ts";
export { mib, processMemory } from "./proc-stats.ts";
export { KwokNodeSimulator, type SimulatorOptions } from "./sim/kwok-node-simulator.ts";
export { type WaitForOptions, waitFor } from "./wait-for.ts";
