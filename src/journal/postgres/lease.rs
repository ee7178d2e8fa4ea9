//! One lease turn on PostgreSQL (to be written).
