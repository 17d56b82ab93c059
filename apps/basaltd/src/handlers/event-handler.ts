import type { EventService } from "@basalt/api";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { ServiceImpl } from "@connectrpc/connect";
import { callerMaySeeSecrets } from "../api/caller.ts";
import type { DaemonContext } from "../daemon-context.ts";
import { eventMessage } from "../events/event-bus.ts";

/** The stream of what basaltd did. */
export function eventService(ctx: DaemonContext): ServiceImpl<typeof EventService> {
  return {
    async *events(req, call) {
      const privileged = callerMaySeeSecrets(call);
      for await (const e of ctx.events.stream({ tail: req.tail, follow: req.follow, signal: call.signal })) {
        yield {
          id: BigInt(e.id),
          time: timestampFromDate(e.time),
          kind: e.kind,
          subject: e.subject,
          message: eventMessage(e, privileged),
        };
      }
    },
  };
}
