import { createPartnerClient } from "green-api-partner";

// Keep the partner token on a server: it is a secret that travels in the URL path.
const partner = createPartnerClient({
  partnerToken: process.env.GREEN_API_PARTNER_TOKEN!,
  baseUrl: process.env.GREEN_API_URL, // your partnerApiUrl; defaults to https://api.green-api.com
});

// Deleting does not log the phone out: call the instance's own logout first if it was authorized.
const result = await partner.deleteInstanceAccount({ idInstance: 1101000001 });

if (result.error) {
  // {code: 404} inside HTTP 200: no such instance, or already deleted.
  console.error(result.error.kind, result.error.message);
} else {
  console.log("deleted instance 1101000001");
}
