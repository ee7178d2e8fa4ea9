//! `till store import`: a SQLite journal copied into PostgreSQL (to be written).
