import { createPartnerClient } from "green-api-partner";

// Keep the partner token on a server: it is a secret that travels in the URL path.
const partner = createPartnerClient({
  partnerToken: process.env.GREEN_API_PARTNER_TOKEN!,
  baseUrl: process.env.GREEN_API_URL, // your partnerApiUrl; defaults to https://api.green-api.com
});

const result = await partner.getInstances();

if (result.error) {
  // A failure, even one that came inside HTTP 200. Tokens appear in no error.
  console.error(result.error.kind, result.error.message);
} else {
  const live = result.data.filter((instance) => !instance.deleted);
  console.log(`${live.length} live instances of ${result.data.length} listed`);
}
