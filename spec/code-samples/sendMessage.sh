# A message to a real person: never resend it on your own. After a lost answer or a 5xx, look
# for it in showMessagesQueue and lastOutgoingMessages first.
curl -sS --fail-with-body -X POST "https://api.green-api.com/waInstance$GREEN_API_ID_INSTANCE/sendMessage/$GREEN_API_TOKEN_INSTANCE" \
  -H 'Content-Type: application/json' \
  -d '{"chatId": "79007654321@c.us", "message": "Your order 1234 is on its way"}'
