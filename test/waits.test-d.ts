// A wait's timeout is typed as what it carries: `lastState` is on the error type (#22, a new
// partner's second hour); mockFetch takes answers of one's own beside the spec's example names.
import { describe, expectTypeOf, test } from "vitest";
import {
  type StateInstanceValue,
  type WaitTimeoutError,
  authorizeByQr,
  createInstanceClient,
  mayHaveTakenEffect,
  waitForState,
} from "../src/index.js";
import { mockFetch } from "../src/testing.js";

const instance = createInstanceClient({ idInstance: 1101000001, apiTokenInstance: "FAKE-TOKEN" });

describe("waits", () => {
  test("a timeout error of waitForState is a WaitTimeoutError, lastState included", async () => {
    const reached = await waitForState(instance, "authorized");
    if (reached.error?.kind === "timeout") {
      expectTypeOf(reached.error).toEqualTypeOf<WaitTimeoutError>();
      expectTypeOf(reached.error.lastState).toEqualTypeOf<StateInstanceValue | null | undefined>();
    }
    const linked = await authorizeByQr(instance, { onQrCode: () => {} });
    if (linked.error?.kind === "timeout") expectTypeOf(linked.error).toEqualTypeOf<WaitTimeoutError>();
    if (reached.error) expectTypeOf(mayHaveTakenEffect(reached.error)).toEqualTypeOf<boolean>();
  });
});

describe("mockFetch", () => {
  test("takes answers of one's own, alone and in sequences with example names", () => {
    mockFetch({ getSettings: { status: 500, json: { code: 500 } } });
    mockFetch({ getStateInstance: ["starting", { timeout: true }, { reset: true }, { text: "<html>" }] });
    // @ts-expect-error an answer of one's own has a body, a timeout or a reset
    mockFetch({ getSettings: { status: 500 } });
    // @ts-expect-error a misspelt example name still does not compile inside a sequence
    mockFetch({ getStateInstance: ["startin", { reset: true }] });
  });
});
