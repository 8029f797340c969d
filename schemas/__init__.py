"""The shapes of itdash's data: records, pandera frames and SQLModel tables."""
