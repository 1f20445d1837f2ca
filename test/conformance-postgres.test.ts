import { randomBytes } from "node:crypto";
import { after, before } from "node:test";
import pg from "pg";
import { PostgresStore } from "../src/lib/stores/postgres.js";
import { runConformance } from "./conformance.js";
import { DATABASE_URL, need } from "./services.js";

const skip = await need("PostgreSQL");
let pool: pg.Pool;
before(() => {
  if (!skip) pool = new pg.Pool({ connectionString: DATABASE_URL, max: 10 });
});
after(async () => pool?.end());

runConformance(
  "postgres",
  async () => {
    const table = `tessera_test_${randomBytes(5).toString("hex")}`;
    const store = new PostgresStore({ pool, table });
    await store.ensureTable();
    return {
      store,
      dump: async () => JSON.stringify((await pool.query(`SELECT * FROM ${table}`)).rows),
      close: async () => void (await pool.query(`DROP TABLE IF EXISTS ${table}`)),
    };
  },
  skip,
);
