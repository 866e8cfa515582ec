"""Staff accounts, roles and the actions staff take in the console and the JSON API."""
