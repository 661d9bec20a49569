"""The rules engine: which meetings need a thank-you, which contacts went cold, which mails await a reply."""
