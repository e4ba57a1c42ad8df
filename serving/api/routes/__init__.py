"""The API's routers: users (inbox, preferences, consent, view, decisions), sends, ops."""
