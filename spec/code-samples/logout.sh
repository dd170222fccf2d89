# Log the phone out before deleting an authorized instance: deleting does not.
curl -sS --fail-with-body "https://api.green-api.com/waInstance$GREEN_API_ID_INSTANCE/logout/$GREEN_API_TOKEN_INSTANCE"
