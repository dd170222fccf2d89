# WhatsApp only. Each call issues a new code: do not resend it on your own.
curl -sS --fail-with-body -X POST "https://api.green-api.com/waInstance$GREEN_API_ID_INSTANCE/getAuthorizationCode/$GREEN_API_TOKEN_INSTANCE" \
  -H 'Content-Type: application/json' \
  -d '{"phoneNumber": 79876543210}'
