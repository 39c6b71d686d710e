"""Operations: what the service tells the people who run it (metrics, structured logs)."""
