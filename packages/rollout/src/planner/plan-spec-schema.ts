import { z } from "zod";

/**
 * The UpgradePlan spec as one zod schema: the single source of the TypeScript types (plan-spec.ts),
 * of the CRD's OpenAPI schema (crd/openapi.ts derives it, keeping the CEL rules given in `meta`),
 * and of validation with a problem per path (`validatePlanSpec`). What OpenAPI cannot express (a
 * window whose end equals its start, an unknown time zone, a target naming nothing) is a refinement
 * here: the apiserver accepts such a plan and the controller shows the problems in its status.
 * Defaults are not in the schema: resolvePlanSpec applies them, so a plan applied before a default
 * changed follows the new one (the descriptions document them).
 */

/** Day names as `Date#getUTCDay()` indexes them. */
export const weekdays = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"] as const;

const wholeNumber = (min: number, description: string) =>
  z
    .int({ error: `expected a whole number ≥ ${min}` })
    .min(min, `expected a whole number ≥ ${min}`)
    .describe(description);

const nonEmpty = (description: string) =>
  z
    .string({ error: "expected a non-empty string" })
    .regex(/\S/, "expected a non-empty string")
    .describe(description);

const flag = (description: string) => z.boolean({ error: "expected true or false" }).describe(description);

const oneOf = <const T extends readonly [string, ...string[]]>(values: T, description?: string) => {
  const e = z.enum(values, { error: `expected one of ${values.join(", ")}` });
  return description ? e.describe(description) : e;
};

const object = <S extends z.core.$ZodLooseShape>(description: string, shape: S) =>
  z.strictObject(shape, { error: "expected an object" }).describe(description);

/**
 * A count of nodes, or a percentage of the nodes concerned ("10%", rounded down but at least 1).
 * In the CRD an int-or-string checked by CEL (a structural schema cannot type its branches).
 */
const quantity = (min: number, description: string) => {
  const message = `expected a whole number ≥ ${min} or a percentage such as "10%"`;
  return z
    .union(
      [
        z.int({ error: message }).min(min, message),
        z.templateLiteral([z.number(), "%"], { error: message }).refine((v) => {
          const pct = Number(v.slice(0, -1));
          return /^\d+(\.\d+)?%$/.test(v) && pct <= 100 && (pct > 0 || min === 0);
        }, message),
      ],
      { error: message },
    )
    .meta({
      description: `${description} A count, or a percentage such as "10%" (rounded down, at least 1).`,
      "x-kubernetes-int-or-string": true,
      "x-kubernetes-validations": [
        {
          rule: `type(self) == int ? self >= ${min} : self.matches('^[0-9]+(\\\\.[0-9]+)?%$')`,
          message: `must be a whole number ≥ ${min} or a percentage such as "10%"`,
        },
      ],
    });
};

const clock = (description: string) =>
  z
    .string({ error: 'expected a time "HH:MM"' })
    .regex(/^(([01][0-9]|2[0-3]):[0-5][0-9]|24:00)$/, 'expected a time "HH:MM"')
    .describe(description);

const timeZone = (description: string) =>
  nonEmpty(description).refine(
    (zone) => {
      try {
        new Intl.DateTimeFormat("en-US", { timeZone: zone });
        return true;
      } catch {
        return false;
      }
    },
    { error: (issue) => `unknown time zone "${String(issue.input)}"` },
  );

const isoDate = z
  .string({ error: "expected a date YYYY-MM-DD" })
  .regex(/^[0-9]{4}-[0-9]{2}-[0-9]{2}$/, "expected a date YYYY-MM-DD")
  .refine((d) => new Date(`${d}T00:00:00Z`).toISOString().startsWith(d), "expected a date YYYY-MM-DD");

const selectorRequirement = object("One requirement.", {
  key: nonEmpty("The label key."),
  operator: oneOf(["In", "NotIn", "Exists", "DoesNotExist"]),
  values: z.array(z.string(), { error: "expected a list of strings" }).optional(),
}).superRefine((e, ctx) => {
  const wants = e.operator === "In" || e.operator === "NotIn";
  if (wants && !e.values?.length)
    ctx.addIssue({ code: "custom", path: ["values"], message: `${e.operator} needs at least one value` });
  if (!wants && e.values?.length)
    ctx.addIssue({ code: "custom", path: ["values"], message: `${e.operator} takes no values` });
});

export const labelSelectorSchema = object("Nodes in scope; empty selects every node.", {
  matchLabels: z
    .record(z.string(), z.string({ error: "expected a string" }), { error: "expected an object" })
    .describe("Labels a node must carry, key → value.")
    .optional(),
  matchExpressions: z
    .array(selectorRequirement, { error: "expected a list" })
    .describe("Requirements a node's labels must meet, all of them.")
    .optional(),
});

const target = object(
  "What to roll: an OS image, a Kubernetes version, both in one drain and one reboot, or (agent mode) a pending reboot.",
  {
    os: object("The OS image to install.", {
      version: nonEmpty("The OS version the nodes must report."),
      bundleUrl: z
        .string({ error: "expected an http(s) URL" })
        .regex(/^https?:\/\/\S+$/, "expected an http(s) URL")
        .describe("Where the signed update bundle is (http or https)."),
    }).optional(),
    kubernetes: object("The kubelet version to run.", {
      version: z
        .string({ error: 'expected a version such as "1.34.2"' })
        .regex(/^v?[0-9]+\.[0-9]+\.[0-9]+(\S*)$/, 'expected a version such as "1.34.2"')
        .describe('e.g. "1.34.4".'),
    }).optional(),
    rebootPending: flag("Reboot the nodes that report /var/run/reboot-required (agent mode).").optional(),
  },
).refine((t) => t.os !== undefined || t.kubernetes !== undefined || t.rebootPending === true, {
  message: "expected os, kubernetes, or rebootPending: true",
});

const budget = object(
  "How many nodes may be unavailable at once. Nodes unavailable for any other reason count too.",
  {
    maxUnavailable: quantity(1, "Across the plan's nodes."),
    perZone: quantity(1, "Per topology domain (a percentage is of that domain's nodes).").optional(),
    zoneLabel: nonEmpty(
      'The node label naming the domain. Default "topology.kubernetes.io/zone".',
    ).optional(),
  },
);

const criticalBudget = object("The stricter budget of the critical lane. Default maxUnavailable 1.", {
  maxUnavailable: quantity(1, "Across the plan's nodes."),
  perZone: quantity(1, "Per topology domain.").optional(),
});

const canary = z
  .union(
    [
      wholeNumber(0, "How many nodes go first."),
      z.array(nonEmpty("A node name.")).superRefine((names, ctx) => {
        names.forEach((name, i) => {
          if (names.indexOf(name) !== i)
            ctx.addIssue({ code: "custom", path: [i], message: `duplicate node "${name}"` });
        });
      }),
    ],
    { error: "expected a whole number ≥ 0 or a list of node names" },
  )
  .meta({
    description: "How many nodes go first (a count, default 1; 0 means no canary), or a list of node names.",
    "x-kubernetes-preserve-unknown-fields": true,
  });

const progression = object("Canary first, then batches, with a soak between stages.", {
  canary: canary.optional(),
  batchSize: quantity(
    1,
    "Nodes per batch after the canary; absent means one batch paced by the budget.",
  ).optional(),
  soakSeconds: wholeNumber(
    0,
    "Wait after a stage has finished before the next starts. Default 0.",
  ).optional(),
});

const window = object("A maintenance window; an end not after the start runs over midnight.", {
  days: z
    .array(oneOf(weekdays), { error: `expected a list of days (${weekdays.join(", ")})` })
    .min(1, `expected a list of days (${weekdays.join(", ")})`),
  start: clock('"HH:MM", local to timeZone.'),
  end: clock('"HH:MM" or "24:00", local to timeZone.'),
  timeZone: timeZone('An IANA time zone such as "Europe/Berlin".'),
}).refine((w) => w.start !== w.end, { path: ["end"], message: "must differ from start" });

const drain = object("How nodes are drained (through the Eviction API only).", {
  timeoutSeconds: wholeNumber(
    1,
    "How long a PodDisruptionBudget may block before onBlocked applies. Default 600.",
  ).optional(),
  gracePeriodSeconds: wholeNumber(0, "Passed to each eviction; absent means each pod's own.").optional(),
  onBlocked: oneOf(
    ["wait", "skip", "force"],
    "Past the timeout: wait and report (default), skip the node for now, or force (deletes pods despite PDBs).",
  ).optional(),
});

const health = object("What counts as healthy after the reboot, and how long each step may take.", {
  readySeconds: wholeNumber(0, "Node Ready for at least this long. Default 60.").optional(),
  notReadyTimeoutSeconds: wholeNumber(
    1,
    "Back Ready on the target within this after the reboot. Default 600.",
  ).optional(),
  upgradeTimeoutSeconds: wholeNumber(1, "The upgrade call finishes within this. Default 1800.").optional(),
  verifyTimeoutSeconds: wholeNumber(1, "Health gates pass within this. Default 900.").optional(),
  requireNodeHealthy: flag("The node API reports healthy. Default true.").optional(),
  requireWorkloadsReady: flag("The evicted pods' PDBs are healthy again. Default true.").optional(),
});

const failure = object("What happens when nodes fail.", {
  maxFailed: quantity(0, "Failures tolerated; one more pauses the plan. Default 1.").optional(),
  onFailure: oneOf(["rollback"], "Default rollback.").optional(),
  leaveCordoned: flag("Leave failed nodes cordoned. Default false.").optional(),
});

/** spec of an UpgradePlan: what to roll, to which nodes, how fast, when, and what counts as healthy. */
export const planSpecSchema = object(
  "What to roll, to which nodes, how fast, when, and what counts as healthy afterwards.",
  {
    target,
    nodeSelector: labelSelectorSchema.optional(),
    budget,
    progression: progression.optional(),
    windows: z
      .array(window, { error: "expected a list" })
      .describe("When new nodes may start; none means always.")
      .optional(),
    exclusions: z
      .array(isoDate, { error: "expected a list of dates" })
      .describe("Dates (YYYY-MM-DD) on which no node starts, not even in the critical lane.")
      .optional(),
    exclusionTimeZone: timeZone(
      "The zone the exclusion dates are read in. Default the first window's, else UTC.",
    ).optional(),
    priority: oneOf(
      ["normal", "critical"],
      "critical may start nodes outside the windows, under criticalBudget. Default normal.",
    ).optional(),
    criticalBudget: criticalBudget.optional(),
    drain: drain.optional(),
    health: health.optional(),
    failure: failure.optional(),
    paused: flag("Pauses (true) and resumes (false) the plan by hand.").optional(),
  },
);

/** One thing wrong with a spec, led by where it is (`budget.maxUnavailable`). */
export interface SpecProblem {
  path: string;
  message: string;
}

/**
 * Every problem in a would-be UpgradePlan spec, each with its path, so an operator fixes them all in
 * one go. An empty list means `value` is a valid spec. Pure: no I/O, no throwing.
 */
export function validatePlanSpec(value: unknown): SpecProblem[] {
  const result = planSpecSchema.safeParse(value);
  if (result.success) return [];
  const problems: SpecProblem[] = [];
  for (const issue of result.error.issues) {
    const at = issue.path.map(String);
    if (issue.code === "unrecognized_keys") {
      for (const key of issue.keys) problems.push({ path: [...at, key].join("."), message: "unknown field" });
      continue;
    }
    problems.push({ path: at.join(".") || "(root)", message: issue.message });
  }
  return problems;
}

/** Narrows `value` to a spec when it has no problems; the problems otherwise. */
export function checkPlanSpec(
  value: unknown,
): { spec: z.infer<typeof planSpecSchema> } | { problems: SpecProblem[] } {
  const result = planSpecSchema.safeParse(value);
  return result.success ? { spec: result.data } : { problems: validatePlanSpec(value) };
}
