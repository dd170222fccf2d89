# The messages sent in the last hour, with their statuses.
curl -sS --fail-with-body "https://api.green-api.com/waInstance$GREEN_API_ID_INSTANCE/lastOutgoingMessages/$GREEN_API_TOKEN_INSTANCE?minutes=60"
