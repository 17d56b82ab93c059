export {
  type BundleParts,
  readBundle,
  writeBundle,
} from "./bundle/bundle-stream.ts";
export {
  type BundleComponent,
  type BundleManifest,
  bundleEntries,
  bundleManifestSchema,
  parseBundleManifest,
} from "./bundle/manifest.ts";
export {
  checkManifestSignature,
  generateReleaseKey,
  keyId,
  type SignatureCheck,
  signManifest,
} from "./bundle/signing.ts";
export {
  type ClientConfig,
  type ClientContext,
  clientConfigSchema,
  contextSchema,
  type NodeEntry,
  nodeEntrySchema,
  parseClientConfig,
  selectContext,
} from "./config/client-config.ts";
export {
  formatIssues,
  parseWith,
} from "./config/issues.ts";
export {
  bootstrapTokenPattern,
  type ControlPlaneConfig,
  type KubeletSettings,
  type KubernetesConfig,
  kubernetesSchema,
  redacted,
  redactToken,
  type Taint,
} from "./config/kubernetes-config.ts";
export {
  type InterfaceConfig,
  type MachineConfig,
  type MachineConfigInput,
  machineConfigSchema,
  normalizeSerial,
  parseMachineConfig,
  redactMachineConfig,
  type ServiceConfig,
  type ServiceHealth,
  validateMachineConfig,
} from "./config/machine-config.ts";
export {
  basaltPartitions,
  derivedUuid,
  type PartitionRole,
  partitionGuids,
  partitionTypes,
} from "./disk/partitions.ts";
export {
  BasaltError,
  type ErrorCode,
  errorCodes,
  isErrorCode,
  toBasaltError,
} from "./errors.ts";
export { type ModulePlan, planModules } from "./kernel/module-plan.ts";
export {
  isRole,
  type Role,
  roles,
} from "./roles.ts";
export {
  compareVersions,
  parseVersion,
  type Version,
} from "./semver.ts";
export {
  basaltVersion,
  defaultApiPort,
} from "./version.ts";
