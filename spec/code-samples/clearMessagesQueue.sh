# The queued messages will not be sent.
curl -sS --fail-with-body "https://api.green-api.com/waInstance$GREEN_API_ID_INSTANCE/clearMessagesQueue/$GREEN_API_TOKEN_INSTANCE"
