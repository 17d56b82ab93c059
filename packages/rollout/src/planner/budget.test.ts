import assert from "node:assert/strict";
import { test } from "node:test";
import { budgetBlock, createBudgetLedger, resolveQuantity } from "./budget.ts";
import type { Quantity } from "./plan-spec.ts";
import { matchesSelector } from "./selector.ts";

const quantities: [Quantity, number, number][] = [
  [3, 100, 3],
  ["10%", 100, 10],
  ["10%", 19, 1],
  ["10%", 5, 1],
  ["33%", 10, 3],
  ["100%", 7, 7],
  ["0%", 50, 0],
  [0, 50, 0],
];

for (const [quantity, total, expected] of quantities) {
  test(`budget: ${quantity} of ${total} is ${expected}`, () =>
    assert.equal(resolveQuantity(quantity, total), expected));
}

test("budget: the ledger takes the strictest of several budgets, globally and per zone", () => {
  const nodes = [
    { zone: "a", unavailable: true },
    { zone: "a", unavailable: false },
    { zone: "b", unavailable: false },
    { zone: "b", unavailable: false },
  ];
  const ledger = createBudgetLedger(
    nodes,
    [{ maxUnavailable: 3 }, { maxUnavailable: "50%", perZone: 1 }],
    "critical",
  );
  assert.equal(ledger.max, 2);
  assert.equal(ledger.used, 1);
  assert.deepEqual(budgetBlock(ledger, "a", 1), {
    code: "zoneBudget",
    reason: "critical lane zone a at budget (1/1)",
  });
  assert.equal(budgetBlock(ledger, "b", 1), undefined);
  assert.equal(budgetBlock(ledger, "a", 0), undefined, "a node that is already down costs nothing");
});

const selectors: [string, Parameters<typeof matchesSelector>[0], Record<string, string>, boolean][] = [
  ["empty selects all", {}, { a: "1" }, true],
  ["matchLabels", { matchLabels: { pool: "gpu" } }, { pool: "gpu" }, true],
  ["matchLabels mismatch", { matchLabels: { pool: "gpu" } }, { pool: "cpu" }, false],
  ["In", { matchExpressions: [{ key: "pool", operator: "In", values: ["a", "b"] }] }, { pool: "b" }, true],
  ["In without the label", { matchExpressions: [{ key: "pool", operator: "In", values: ["a"] }] }, {}, false],
  [
    "NotIn without the label",
    { matchExpressions: [{ key: "pool", operator: "NotIn", values: ["a"] }] },
    {},
    true,
  ],
  ["NotIn", { matchExpressions: [{ key: "pool", operator: "NotIn", values: ["a"] }] }, { pool: "a" }, false],
  ["Exists", { matchExpressions: [{ key: "gpu", operator: "Exists" }] }, { gpu: "" }, true],
  ["DoesNotExist", { matchExpressions: [{ key: "gpu", operator: "DoesNotExist" }] }, { gpu: "" }, false],
];

for (const [name, selector, labels, expected] of selectors) {
  test(`selector: ${name}`, () => assert.equal(matchesSelector(selector, labels), expected));
}
