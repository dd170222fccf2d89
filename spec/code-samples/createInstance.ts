import { createPartnerClient } from "green-api-partner";

// Keep the partner token on a server: it is a secret that travels in the URL path.
const partner = createPartnerClient({
  partnerToken: process.env.GREEN_API_PARTNER_TOKEN!,
  baseUrl: process.env.GREEN_API_URL, // your partnerApiUrl; defaults to https://api.green-api.com
});

const result = await partner.createInstance({
  name: "first instance",
  incomingWebhook: "yes",
  stateWebhook: "yes",
});

if (result.error) {
  // A failure, even one that came inside HTTP 200. Never resend on your own: each call can
  // create a billable instance. The token appears in no error.
  console.error(result.error.kind, result.error.message);
} else {
  console.log(`created ${result.data.typeInstance} instance ${result.data.idInstance}; now authorize it`);
}
