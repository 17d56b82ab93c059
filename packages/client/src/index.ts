export { checkClientCertificate } from "./certificate-check.ts";
export { explainCallError } from "./client-errors.ts";
export {
  fanOut,
  type NodeResult,
  type Target,
} from "./fan-out.ts";
export {
  matchesSelector,
  resolveTargets,
  type TargetFlags,
} from "./targets.ts";
export {
  nodeTransport,
  type TlsMaterial,
} from "./transport.ts";
