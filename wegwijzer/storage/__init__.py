"""The database: engine, tables and additive schema updates."""
