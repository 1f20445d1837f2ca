// A form body for Koa apps in tests, as koa-bodyparser would give it (`ctx.request.body`).
import type { Context, Next } from "koa";

export async function koaFormBody(ctx: Context, next: Next): Promise<void> {
  if (ctx.is("application/x-www-form-urlencoded")) {
    let body = "";
    for await (const chunk of ctx.req) body += chunk;
    (ctx.request as { body?: unknown }).body = Object.fromEntries(new URLSearchParams(body));
  }
  await next();
}
