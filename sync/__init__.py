"""Gmail and Calendar sync workers (full and incremental), the draft writer, and the retry policy."""
