import { randomBytes } from "node:crypto";
import pg from "pg";
import { PostgresStore } from "../src/stores/postgres.js";
import { LocalEndpoint } from "./model/endpoint.js";
import { runModel } from "./model/model.js";
import { remoteEndpoint } from "./model/remote.js";
import { openShared, type SharedStore } from "./model/stores.js";
import { DATABASE_URL, need } from "./services.js";

const skip = await need("PostgreSQL");

runModel(
  "postgres (two processes)",
  async () => {
    const spec: SharedStore = { kind: "postgres", url: DATABASE_URL, table: `tessera_model_${randomBytes(5).toString("hex")}` };
    const admin = new pg.Pool({ connectionString: DATABASE_URL, max: 1 });
    await new PostgresStore({ pool: admin, table: spec.table }).ensureTable();
    const local = await openShared(spec);
    const remote = await remoteEndpoint(spec);
    return {
      endpoints: [new LocalEndpoint(local.store, local.close), remote],
      close: async () => {
        await remote.close();
        await local.close();
        await admin.query(`DROP TABLE IF EXISTS ${spec.table}`);
        await admin.end();
      },
    };
  },
  { skip },
);
