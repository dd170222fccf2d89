# A message and its status; it may take up to 2 minutes to appear.
curl -sS --fail-with-body -X POST "https://api.green-api.com/waInstance$GREEN_API_ID_INSTANCE/getMessage/$GREEN_API_TOKEN_INSTANCE" \
  -H 'Content-Type: application/json' \
  -d '{"chatId": "79007654321@c.us", "idMessage": "BAE5F4886F6F2D05"}'
