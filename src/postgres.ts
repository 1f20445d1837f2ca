// `tessera-session/postgres`: sessions in a PostgreSQL table through your own `pg` pool (Node only).
export { createPostgresSessionStorage, type PostgresSessionStorageOptions } from "./lib/storages/postgres.js";
export { PostgresStore, schemaSql, type PostgresStoreOptions, type PgQueryable } from "./lib/stores/postgres.js";
export { PostgresRevocationStore, revocationSchemaSql, type PostgresRevocationStoreOptions } from "./lib/stores/postgres-revocation.js";
