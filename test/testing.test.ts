// green-api-partner/testing, as this repo's source: mockFetch answers only what the spec's named
// examples say, refuses what the mock refuses, and cannot drift from the spec; useExample picks an
// example through the real mock.
import { describe, expect, inject, it } from "vitest";
import { examples } from "../generated/examples.js";
import { createPartnerClient } from "../src/index.js";
import { mockFetch, useExample } from "../src/testing.js";
import { callOperation } from "./helpers/call.js";
import { namedExamples, operations } from "./helpers/spec.js";
import { TOKEN } from "./helpers/token.js";

describe("mockFetch", () => {
  it.each(operations.map((op) => [op.operationId, op] as const))(
    "%s: answers the first success example by default, and any named one on request",
    async (id, op) => {
      expect(await callOperation(createPartnerClient({ partnerToken: TOKEN, fetch: mockFetch() }), op)).toEqual({
        data: op.successes[0]!.value,
      });
      for (const example of namedExamples().filter((e) => e.operationId === id && e.status !== null)) {
        const partner = createPartnerClient({
          partnerToken: TOKEN,
          fetch: mockFetch({ [id]: example.name }),
          retry: false,
        });
        const result = await callOperation(partner, op);
        if (op.successes.some((s) => s.name === example.name)) expect(result).toEqual({ data: example.value });
        else expect(result.error, example.name).toMatchObject({ status: Number(example.status) });
      }
    },
  );

  it("answers a body that breaks the contract with the spec's 400, as the mock does", async () => {
    const response = await mockFetch()(`http://mock${operations[0]!.path.replace("{partnerToken}", TOKEN)}`, {
      method: "POST",
      body: "{}",
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual(namedExamples().find((e) => e.name === "badRequest")!.value);
  });

  it("answers an unknown path with 404", async () => {
    expect((await mockFetch()("http://mock/partner/getInstance/x")).status).toBe(404);
  });

  it("refuses to answer an example that no longer matches the spec", async () => {
    const example = (examples.createInstance as Record<string, { value: Record<string, unknown> }>).createdMax!;
    const before = example.value.idInstance;
    example.value.idInstance = "not a number";
    try {
      await expect(
        mockFetch({ createInstance: "createdMax" })(
          `http://mock${operations[0]!.path.replace("{partnerToken}", TOKEN)}`,
          { method: "POST", body: '{"name":"x"}' },
        ),
      ).rejects.toThrow(/does not match the spec/);
    } finally {
      example.value.idInstance = before;
    }
  });
});

describe("mockFetch against a path that is not valid percent-encoding", () => {
  it("answers the spec's 400, as the mock does, and never rejects", async () => {
    const op = operations.find((o) => o.method === "get" && o.family === "partner")!;
    const answer = await mockFetch()(`http://mock${op.path.replace("{partnerToken}", "%E0%A4%A")}`);
    expect(answer.status).toBe(400);
  });
});

describe("useExample", () => {
  it("makes one operation's calls answer a named example from the mock, and can be undone", async () => {
    const partner = createPartnerClient({ partnerToken: TOKEN, baseUrl: inject("mockUrl") });
    const undo = useExample(partner, "getInstances", "noInstances");
    expect(await partner.getInstances()).toEqual({ data: [] });
    expect((await partner.createInstance({ name: "x" })).data).toEqual(operations[0]!.successes[0]!.value);
    undo();
    expect((await partner.getInstances()).data).toEqual(operations[1]!.successes[0]!.value);
  });
});
