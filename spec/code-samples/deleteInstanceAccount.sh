# A failure comes back with HTTP 200 too: {"code": 404, ...} means no such instance, or already deleted.
curl -sS -X POST "https://api.green-api.com/partner/deleteInstanceAccount/$GREEN_API_PARTNER_TOKEN" \
  -H 'Content-Type: application/json' \
  -d '{"idInstance": 1101000001}'
