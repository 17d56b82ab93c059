import type { Command } from "../cli/command.ts";
import { clusterCommands } from "./cluster/cluster.ts";
import { genCommands } from "./gen/gen.ts";
import { auditCommands } from "./node/audit.ts";
import { clusterBootstrapCommands } from "./node/cluster-bootstrap.ts";
import { configCommands } from "./node/config.ts";
import { containerCommands, withPodLogs } from "./node/containers.ts";
import { infoCommands } from "./node/info.ts";
import { networkCommands } from "./node/network.ts";
import { powerCommands } from "./node/power.ts";
import { serviceCommands } from "./node/services.ts";
import { streamCommands } from "./node/streams.ts";
import { upgradeCommands } from "./node/upgrade.ts";
import { rolloutCommands } from "./rollout/rollout.ts";

/**
 * Every command, in `help`'s order. Each group's file holds only what `help`, finding a command and
 * parsing its flags need; what the commands do is in the group's `*-run.ts`, imported when one runs.
 */
export const commands: Command[] = [
  ...infoCommands,
  ...networkCommands,
  ...serviceCommands,
  ...streamCommands.map(withPodLogs),
  ...powerCommands,
  ...upgradeCommands,
  ...auditCommands,
  ...containerCommands,
  ...configCommands,
  ...genCommands,
  ...rolloutCommands,
  ...clusterBootstrapCommands,
  ...clusterCommands,
];
