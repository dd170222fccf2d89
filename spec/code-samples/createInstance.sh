# Check the body, not only the status: a failure comes back with HTTP 200 too.
curl -sS -X POST "https://api.green-api.com/partner/createInstance/$GREEN_API_PARTNER_TOKEN" \
  -H 'Content-Type: application/json' \
  -d '{"name": "first instance", "incomingWebhook": "yes", "stateWebhook": "yes"}'
