"""A tiny labelled corpus shared by the intent tests (four intents, three texts each)."""

TEXTS = [
    "I lost my card", "my card was stolen yesterday", "someone stole my wallet and card",
    "where is my new card", "card has not arrived yet", "how long does card delivery take",
    "why was my top up declined", "top up failed again", "cannot top up with apple pay",
    "exchange rate for euros", "what rate do you use for currency exchange",
    "is there a fee to exchange dollars",
]
LABELS = ["lost"] * 3 + ["arrival"] * 3 + ["topup"] * 3 + ["exchange"] * 3
PROBE = ["my card got stolen", "card still not here", "top-up declined", "EUR exchange fee",
         "", "hello"]
