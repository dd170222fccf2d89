# Delete a handled notification by the receiptId receiveNotification gave, so the next one comes.
curl -sS --fail-with-body -X DELETE "https://api.green-api.com/waInstance$GREEN_API_ID_INSTANCE/deleteNotification/$GREEN_API_TOKEN_INSTANCE/$RECEIPT_ID"
