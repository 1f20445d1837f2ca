import { mkdir, readFile, rename, unlink, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { Cookie, CookieOptions } from "./cookie.js";
import { createSessionStorage, newHexId, type SessionStorage } from "./storage.js";
import type { SessionData } from "./session.js";

/**
 * The path of session `id`, in react-router's layout (`dir/abcd/<rest>`), or
 * null. Only ids of exactly 16 hex digits (react-router's own, so existing
 * sessions keep working) or 32 (tessera's, 128 bits) ever become a path.
 */
function fileOf(dir: string, id: string): string | null {
  if (!/^(?:[0-9a-f]{16}|[0-9a-f]{32})$/i.test(id)) return null;
  return join(dir, id.slice(0, 4), id.slice(4));
}

/**
 * react-router's file session storage, reading and writing its files (JSON
 * `{ data, expires }`), with 128-bit CSPRNG ids for new sessions and atomic
 * writes (temporary file + rename).
 *
 * `ids: "react-router"` makes new ids of 16 hex digits (64 bits from the CSPRNG,
 * react-router's own length), which `@react-router/node`'s file storage reads:
 * old and new servers can then share the directory, and a rollback logs no one
 * out. The default, 128-bit ids, is one-way: react-router refuses those files.
 */
export function createFileSessionStorage<Data = SessionData, FlashData = Data>({
  cookie,
  dir,
  ids = "tessera",
}: {
  cookie?: Cookie | (CookieOptions & { name?: string });
  dir: string;
  /** The length of new ids: `"tessera"` (32 hex digits, default) or `"react-router"` (16, readable by its file storage). */
  ids?: "tessera" | "react-router";
}): SessionStorage<Data, FlashData> {
  const idBytes = ids === "react-router" ? 8 : 16;
  const write = async (file: string, data: unknown, expires: Date | undefined, flag: "wx" | "w") => {
    // Serialized first: a value JSON refuses (a BigInt, a cycle) leaves nothing behind, not even the directory.
    const content = JSON.stringify({ data, expires });
    await mkdir(dirname(file), { recursive: true });
    if (flag === "wx") return writeFile(file, content, { encoding: "utf-8", flag, mode: 0o600 });
    const tmp = `${file}.${newHexId()}.tmp`;
    await writeFile(tmp, content, { encoding: "utf-8", mode: 0o600 });
    await rename(tmp, file);
  };
  return createSessionStorage<Data, FlashData>({
    cookie,
    async createData(data, expires) {
      for (;;) {
        const id = newHexId(idBytes);
        try {
          await write(fileOf(dir, id)!, data, expires, "wx");
          return id;
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
        }
      }
    },
    async readData(id) {
      const file = fileOf(dir, id);
      if (!file) return null;
      try {
        const content = JSON.parse(await readFile(file, "utf-8")) as { data: never; expires?: string };
        const expires = typeof content.expires === "string" ? new Date(content.expires) : null;
        if (!expires || expires > new Date()) return content.data;
        await unlink(file).catch(() => {});
        return null;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
        return null;
      }
    },
    async updateData(id, data, expires) {
      const file = fileOf(dir, id);
      if (file) await write(file, data, expires, "w");
    },
    async deleteData(id) {
      const file = id ? fileOf(dir, id) : null;
      if (file) await unlink(file).catch((error: NodeJS.ErrnoException) => {
        if (error.code !== "ENOENT") throw error;
      });
    },
  });
}
