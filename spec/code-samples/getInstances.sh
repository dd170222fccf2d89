# Check the body, not only the status: a failure comes back with HTTP 200 too (an object, not a list).
curl -sS "https://api.green-api.com/partner/getInstances/$GREEN_API_PARTNER_TOKEN"
