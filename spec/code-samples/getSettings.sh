# The answer holds webhookUrlToken in clear: keep it out of logs.
curl -sS --fail-with-body "https://api.green-api.com/waInstance$GREEN_API_ID_INSTANCE/getSettings/$GREEN_API_TOKEN_INSTANCE"
