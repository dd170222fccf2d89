# Poll for the next notification (webhookUrl must be ""); wait up to 20 s for one. null: none came.
curl -sS --fail-with-body "https://api.green-api.com/waInstance$GREEN_API_ID_INSTANCE/receiveNotification/$GREEN_API_TOKEN_INSTANCE?receiveTimeout=20"
