import type { Command } from "../cli/command.ts";
import { containerCommands, withPodLogs } from "./node/containers.ts";
import { genCommands } from "./gen/gen.ts";
import { infoCommands } from "./node/info.ts";
import { networkCommands } from "./node/network.ts";
import { powerCommands } from "./node/power.ts";
import { serviceCommands } from "./node/services.ts";
import { streamCommands } from "./node/streams.ts";
import { rolloutCommands } from "./rollout/rollout.ts";
import { upgradeCommands } from "./node/upgrade.ts";

export const commands: Command[] = [
  ...infoCommands,
  ...networkCommands,
  ...serviceCommands,
  ...streamCommands.map(withPodLogs),
  ...powerCommands,
  ...upgradeCommands,
  ...containerCommands,
  ...genCommands,
  ...rolloutCommands,
];
