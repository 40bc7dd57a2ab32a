"""Operations on a survey database. Each takes a Session inside one transaction and never prints."""
