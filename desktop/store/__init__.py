"""SQLite storage: schema and migrations, the one write door, audit, queries. No Qt here."""
