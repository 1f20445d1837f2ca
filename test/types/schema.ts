// #20 item 5: a storage's data type is inferred from its `schema` (any Standard Schema validator).
import * as v from "valibot";
import { z } from "zod";
import { createCookieSessionStorage, createMemorySessionStorage } from "tessera-session";

const zodStorage = createCookieSessionStorage({ schema: z.object({ userId: z.string(), count: z.number() }) });
export async function zod(request: Request) {
  const s = await zodStorage.read(request);
  const count: number | undefined = s.get("count");
  s.set("userId", "ann");
  // @ts-expect-error: not a key of the schema
  s.set("userID", "ann");
  // @ts-expect-error: a count is a number
  s.set("count", "1");
  return count;
}

const valibotStorage = createMemorySessionStorage({ schema: v.object({ cart: v.array(v.string()) }), userKey: "cart" });
export async function valibot(request: Request) {
  const s = await valibotStorage.read(request);
  const cart: string[] | undefined = s.get("cart");
  // @ts-expect-error: a cart is a list of strings
  s.set("cart", [1]);
  return cart;
}

// @ts-expect-error: userKey names a key of the schema's output
createMemorySessionStorage({ schema: v.object({ cart: v.array(v.string()) }), userKey: "userId" });

createCookieSessionStorage({
  schema: z.object({ count: z.number() }),
  migrate: (values) => (typeof values.cnt === "number" ? { count: values.cnt } : undefined),
});
