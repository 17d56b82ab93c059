import { ovmfCode, ovmfVars, startQemu, type Vm } from "@basalt/provision";
import { guestApiPort } from "./vm-config.ts";

export { freePort } from "@basalt/testkit";
export { ovmfCode, ovmfVars, type Vm };

export interface VmOptions {
  disk: string;
  /** Copy of OVMF_VARS for this VM (EFI variables persist across its reboots). */
  vars: string;
  configDrive?: string;
  hostPort: number;
  consoleLog: string;
  /** qemu exits instead of rebooting (to see a refused boot end). */
  noReboot?: boolean;
}

/**
 * A single qemu VM (TCG, q35, OVMF) on qemu's user network with its API forwarded to
 * 127.0.0.1:`hostPort`: the provisioner's `startQemu` with a raw disk and a user NIC. (Several VMs
 * on one network: `startNetnsCluster` from @basalt/testkit.)
 */
export function startVm(o: VmOptions): Vm {
  return startQemu({
    disk: { path: o.disk, format: "raw" },
    vars: o.vars,
    configDrive: o.configDrive,
    nic: { kind: "user", hostPort: o.hostPort, guestPort: guestApiPort },
    consoleLog: o.consoleLog,
    noReboot: o.noReboot,
  });
}
