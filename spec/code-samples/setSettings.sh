# The instance restarts to apply the settings (up to about 5 minutes): do not resend on your own.
curl -sS --fail-with-body -X POST "https://api.green-api.com/waInstance$GREEN_API_ID_INSTANCE/setSettings/$GREEN_API_TOKEN_INSTANCE" \
  -H 'Content-Type: application/json' \
  -d '{"webhookUrl": "https://mysite.com/webhook/green-api/", "incomingWebhook": "yes", "stateWebhook": "yes"}'
