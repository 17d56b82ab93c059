/** Prints deploy/crd.yaml: `node packages/rollout/src/crd/print-crd.ts > deploy/crd.yaml`. */
import { upgradePlanCrdYaml } from "./upgrade-plan-crd.ts";

process.stdout.write(upgradePlanCrdYaml());
