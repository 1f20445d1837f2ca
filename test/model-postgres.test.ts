import { randomBytes } from "node:crypto";
import pg from "pg";
import { PostgresStore } from "../src/lib/stores/postgres.js";
import { runModel } from "./model/model.js";
import { twoProcesses } from "./model/stores.js";
import { DATABASE_URL, need } from "./services.js";

const skip = await need("PostgreSQL");

runModel(
  "postgres (two processes)",
  async () => {
    const table = `tessera_model_${randomBytes(5).toString("hex")}`;
    const admin = new pg.Pool({ connectionString: DATABASE_URL, max: 1 });
    await new PostgresStore({ pool: admin, table }).ensureTable();
    return twoProcesses({ kind: "postgres", url: DATABASE_URL, table }, async () => {
      await admin.query(`DROP TABLE IF EXISTS ${table}`);
      await admin.end();
    });
  },
  { skip },
);
