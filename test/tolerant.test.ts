// What GREEN-API really sends is read tolerantly: a list item needs only what the client's promises
// need (a missing or null optional field never fails the whole list), and a 466 carries GREEN-API's
// quota objects. Each case goes through the client on a loopback server, or the generated validator.
import { describe, expect, it } from "vitest";
import { validateQuotaExceededError } from "../generated/validators.js";
import { createPartnerClient } from "../src/index.js";
import { answer, loopback } from "./helpers/server.js";
import { byId, deref, namedExamples } from "./helpers/spec.js";
import { TOKEN } from "./helpers/token.js";

type Item = Record<string, unknown>;
const getInstances = byId("getInstances");
const item = deref(getInstances.successSchema.items);
const required: string[] = item.required;
const optional = Object.keys(item.properties).filter((name) => !required.includes(name));
const listed = getInstances.successes[0]!.value as Item[];

async function listFrom(list: unknown, call: (partner: ReturnType<typeof createPartnerClient>) => Promise<unknown>) {
  const server = await loopback(answer(200, list));
  try {
    return await call(createPartnerClient({ partnerToken: TOKEN, baseUrl: server.url, retry: false }));
  } finally {
    await server.close();
  }
}

describe("getInstances' items", () => {
  const withoutToken = listed.map(({ apiTokenInstance: _, ...rest }) => rest);
  const nulls = listed.map((i) => ({ ...i, ...Object.fromEntries(optional.map((name) => [name, null])) }));
  const bare = listed.map((i) => Object.fromEntries(required.map((name) => [name, i[name]])));

  it("require only idInstance, name and timeCreated, what findCreatedInstances needs", () => {
    expect([...required].sort()).toEqual(["idInstance", "name", "timeCreated"]);
    expect(item.description).toMatch(/findCreatedInstances/);
  });

  it.each([
    ["lacking apiTokenInstance (GREEN-API's request #815)", withoutToken],
    ["with every optional field null", nulls],
    ["with only the required fields", bare],
  ])("come back as data when %s", async (_, list) => {
    expect(await listFrom(list, (p) => p.getInstances())).toEqual({ data: list });
  });

  it("still let findCreatedInstances find the instance a create made", async () => {
    const mine = { ...bare[2]!, name: "shop 42 unique", timeCreated: "2030-01-01T00:00:00" };
    const found = await listFrom([...nulls, mine], (p) =>
      p.findCreatedInstances({ name: "shop 42 unique", since: new Date("2029-12-31T00:00:00Z") }),
    );
    expect(found).toEqual({ data: [mine] });
  });

  it.each(required)("still fail the list when an item lacks %s, which a promise needs", async (name) => {
    const broken = listed.map((i, n) =>
      n === 1 ? Object.fromEntries(Object.entries(i).filter(([key]) => key !== name)) : i,
    );
    expect(await listFrom(broken, (p) => p.getInstances())).toMatchObject({ error: { kind: "unexpected-response" } });
  });
});

describe("a 466's body: GREEN-API's quota objects", () => {
  const documented = namedExamples().find((e) => e.status === "466" && e.mediaType === "application/json")!;

  it("is modelled as QuotaExceededError, with the documented example", () => {
    expect(deref(documented.schema).title).toBe("QuotaExceededError");
    expect(Object.keys(documented.value as object).sort()).toEqual(["correspondentsStatus", "invokeStatus"]);
    expect(validateQuotaExceededError(documented.value)).toBe(true);
  });

  it.each([
    ["only one quota", { invokeStatus: (documented.value as Item).invokeStatus }],
    ["counts as strings", { invokeStatus: { used: "10", total: "10", status: "QUOTE_EXCEEDED" } }],
    ["null quotas and fields", { invokeStatus: null, correspondentsStatus: { used: null, description: null } }],
    ["fields this contract does not name", { invokeStatus: { status: "SOMETHING_NEW", resetAt: 1 }, extra: true }],
  ])("is read tolerantly: %s", (_, value) => {
    expect(validateQuotaExceededError(value)).toBe(true);
  });

  it("still refuses what is not a quota body", () => {
    expect(validateQuotaExceededError({ invokeStatus: "exceeded" })).toBe(false);
    expect(validateQuotaExceededError({ invokeStatus: { used: true } })).toBe(false);
    expect(validateQuotaExceededError("Quota exceeded")).toBe(false);
  });
});
