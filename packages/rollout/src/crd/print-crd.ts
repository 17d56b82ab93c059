/** Prints deploy/crd.yaml: `node apps/basalt-controller/src/crd/print-crd.ts > deploy/crd.yaml`. */
import { upgradePlanCrdYaml } from "./upgrade-plan-crd.ts";

process.stdout.write(upgradePlanCrdYaml());
