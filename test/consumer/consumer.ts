// A partner's own code, compiled against the packed package: what README promises must compile,
// what the spec forbids must not, and it runs against the URL in GREEN_API_URL.
import {
  type CreateInstanceRequest,
  type InstanceDeleted,
  type PartnerInstance,
  createPartnerClient,
} from "green-api-partner";
import spec from "green-api-partner/openapi.json" with { type: "json" };

const partner = createPartnerClient({ partnerToken: "gac.consumer-test", baseUrl: process.env.GREEN_API_URL! });
const settings: CreateInstanceRequest = { name: "consumer", stateWebhook: "yes", delaySendMessagesMilliseconds: 1000 };

// @ts-expect-error a yes/no setting takes "yes" or "no", not "true"
const wrongValue: CreateInstanceRequest = { stateWebhook: "true" };
// @ts-expect-error a misspelt setting does not compile
const misspelt: CreateInstanceRequest = { stateWebhok: "yes" };

// @ts-expect-error deleteInstanceAccount takes an idInstance number, not a string
export const wrongId = () => partner.deleteInstanceAccount({ idInstance: "1101000001" });
export const listed = async (): Promise<PartnerInstance[] | undefined> => (await partner.getInstances()).data;
export const deleted = async (): Promise<InstanceDeleted | undefined> =>
  (await partner.deleteInstanceAccount({ idInstance: 1 })).data;

const result = await partner.createInstance(settings);
// Compiled, never run: reading data before ruling out the error must not compile.
export const unchecked = () =>
  // @ts-expect-error data may be undefined until the error is ruled out
  result.data.idInstance;

const outcome = result.error
  ? { kind: result.error.kind, ...(result.error.kind === "api" ? { code: result.error.code } : {}) }
  : { idInstance: result.data.idInstance, typeInstance: result.data.typeInstance };
console.log(JSON.stringify({ outcome, title: spec.info.title, unused: [wrongValue, misspelt].length }));
