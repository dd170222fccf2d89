# The sends waiting their turn (the first 500).
curl -sS --fail-with-body "https://api.green-api.com/waInstance$GREEN_API_ID_INSTANCE/showMessagesQueue/$GREEN_API_TOKEN_INSTANCE"
