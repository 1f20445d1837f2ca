// The node middleware holds the response back until the session is saved:
// streamed, piped, informational and failing responses must go out exactly as
// they would without it, and nothing a handler does may take the process down.
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { once } from "node:events";
import { createReadStream } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer, request, type IncomingMessage, type ServerResponse } from "node:http";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import { after, before, describe, test } from "node:test";
import express from "express";
import { createCookieSessionStorage } from "../src/lib/engine/cookie-storage.js";
import { createFileSessionStorage } from "../src/file.js";
import { session, type SessionRequest } from "../src/lib/adapters/node.js";
import { createMemorySessionStorage } from "../src/lib/storages/memory.js";
import type { SessionStorage } from "../src/lib/engine/storage.js";
import { bare, listen, using, type Route } from "./bare-server.js";
import { cookiePair, SECRET_A } from "./helpers.js";
import { printedErrors, runScript, type PrintedError } from "./isolated.js";

const cookie = { secrets: [SECRET_A], secure: false, name: "sid" };
const TIMEOUT = { timeout: 10_000 };

let dir: string;
let bigFile: string;
let bigData: Buffer;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), "tessera-node-streams-"));
  bigData = randomBytes(5 * 1024 * 1024 + 123);
  bigFile = join(dir, "big.bin");
  await writeFile(bigFile, bigData);
});
after(() => rm(dir, { recursive: true, force: true }));

/** A storage of each kind; the file one saves through a promise every time. */
const STORAGES: Record<string, () => SessionStorage> = {
  cookie: () => createCookieSessionStorage({ cookie }),
  memory: () => createMemorySessionStorage({ cookie }),
  file: () => createFileSessionStorage({ dir: join(dir, "sessions"), cookie }),
};

/**
 * A session already in `storage`, as the Cookie header that presents it. A
 * presented session that changes is saved at once by the memory and cookie
 * storages (no promise); a new one goes through a promise on every storage.
 */
async function presented(storage: SessionStorage): Promise<string> {
  const s = await storage.read(null);
  s.set("seed", 1);
  return cookiePair(await storage.save(s));
}

/** Each storage with a new session, and the two that save a presented one at once. */
const CASES = [
  ...Object.keys(STORAGES).map((kind) => ({ kind, presented: false })),
  { kind: "cookie", presented: true },
  { kind: "memory", presented: true },
];
const caseName = ({ kind, presented }: { kind: string; presented: boolean }) =>
  `a ${kind} storage with a ${presented ? "presented session changed (saved at once)" : "new session"}`;

/** Runs `fn` and fails when anything reached `uncaughtException` or `unhandledRejection` meanwhile. */
async function withoutCrash(fn: () => Promise<void>): Promise<void> {
  const escaped: unknown[] = [];
  const record = (error: unknown) => escaped.push(error);
  process.on("uncaughtException", record);
  process.on("unhandledRejection", record);
  try {
    await fn();
    // Node reports a rejection once the tick that made it ends: one turn of the event loop later, every one so far is in.
    await new Promise((r) => setImmediate(r));
  } finally {
    process.off("uncaughtException", record);
    process.off("unhandledRejection", record);
  }
  assert.deepEqual(escaped, []);
}

/** Reads from `reader` until the text read ends with a blank line (one server-sent event). */
async function readEvent(reader: ReadableStreamDefaultReader<Uint8Array>): Promise<string> {
  const decoder = new TextDecoder();
  let text = "";
  while (!text.endsWith("\n\n")) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`the stream ended after ${JSON.stringify(text)}`);
    text += decoder.decode(value, { stream: true });
  }
  return text;
}

/** One `ServerResponse` handed out per request, for a test to write to while the client reads. */
function responses() {
  const waiting: Array<(res: ServerResponse) => void> = [];
  const ready: ServerResponse[] = [];
  return {
    give(res: ServerResponse) {
      const take = waiting.shift();
      if (take) take(res);
      else ready.push(res);
    },
    next(): Promise<ServerResponse> {
      const res = ready.shift();
      return res ? Promise.resolve(res) : new Promise((r) => waiting.push(r));
    },
  };
}

/** The session that the one Set-Cookie of a response leads to. */
async function sessionOf(storage: SessionStorage, setCookies: string[]) {
  assert.equal(setCookies.length, 1, `one Set-Cookie, got ${JSON.stringify(setCookies)}`);
  assert.match(setCookies[0]!, /^sid=/);
  return storage.read(cookiePair(setCookies[0]!));
}

describe("server-sent events below the node middleware", () => {
  for (const c of CASES) {
    test(`an SSE stream on ${caseName(c)} gets the session cookie with its headers, then each event as it is written`, TIMEOUT, () =>
      withoutCrash(async () => {
        const storage = STORAGES[c.kind]!();
        const sent = c.presented ? await presented(storage) : undefined;
        const streams = responses();
        await using(
          storage,
          (req, res) => {
            req.session.set("stream", "open");
            res.writeHead(200, { "Content-Type": "text/event-stream", "Cache-Control": "no-cache" });
            res.flushHeaders();
            streams.give(res);
          },
          async (url) => {
            // fetch resolves on the head alone: flushHeaders must have sent it, cookie included.
            const response = await fetch(url, { headers: sent ? { cookie: sent } : {} });
            assert.equal(response.status, 200);
            assert.equal(response.headers.get("content-type"), "text/event-stream");
            assert.equal(response.headers.get("cache-control"), "no-cache");
            const setCookies = response.headers.getSetCookie();
            if (c.presented && c.kind === "memory") {
              assert.deepEqual(setCookies, [], "an id that stays the same is not sent again");
              assert.equal((await storage.read(sent!)).get("stream"), "open");
            } else {
              assert.equal(response.headers.get("vary"), "Cookie");
              assert.equal((await sessionOf(storage, setCookies)).get("stream"), "open");
            }
            const res = await streams.next();
            const reader = response.body!.getReader();
            for (const n of [1, 2, 3]) {
              res.write(`id: ${n}\ndata: event ${n}\n\n`);
              assert.equal(await readEvent(reader), `id: ${n}\ndata: event ${n}\n\n`);
            }
            res.end();
            assert.deepEqual(await reader.read(), { done: true, value: undefined });
          },
        );
      }));
  }

  test("an SSE stream in Express 5 on a file storage: headers and cookie first, events in order", TIMEOUT, () =>
    withoutCrash(async () => {
      const storage = STORAGES.file!();
      const app = express();
      app.use(session(storage));
      app.get("/events", (req, res) => {
        (req as unknown as SessionRequest).session.set("stream", "express");
        res.writeHead(200, { "Content-Type": "text/event-stream" });
        res.flushHeaders();
        let n = 0;
        const timer = setInterval(() => {
          n++;
          res.write(`data: ${n}\n\n`);
          if (n === 3) {
            clearInterval(timer);
            res.end();
          }
        }, 10);
      });
      const server = await listen(createServer(app));
      try {
        const response = await fetch(`${server.url}/events`);
        assert.equal((await sessionOf(storage, response.headers.getSetCookie())).get("stream"), "express");
        assert.equal(response.headers.get("cache-control"), "no-store");
        assert.equal(await response.text(), "data: 1\n\ndata: 2\n\ndata: 3\n\n");
      } finally {
        await server.close();
      }
    }));
});

const sha256 = (data: Uint8Array) => createHash("sha256").update(data).digest("hex");

describe("streams piped into a held response", () => {
  for (const kind of ["memory", "file"]) {
    test(`stream/promises pipeline of a 5 MB file on a ${kind} storage arrives byte for byte, and the pipeline resolves`, TIMEOUT, () =>
      withoutCrash(async () => {
        const storage = STORAGES[kind]!();
        let piped!: Promise<string>;
        await using(
          storage,
          (req, res) => {
            req.session.set("download", "big.bin");
            res.setHeader("Content-Type", "application/octet-stream");
            piped = pipeline(createReadStream(bigFile), res).then(
              () => "resolved",
              (error: Error) => `rejected: ${error.message}`,
            );
          },
          async (url) => {
            const response = await fetch(url);
            assert.equal((await sessionOf(storage, response.headers.getSetCookie())).get("download"), "big.bin");
            const body = new Uint8Array(await response.arrayBuffer());
            assert.equal(body.length, bigData.length);
            assert.equal(sha256(body), sha256(bigData));
            assert.equal(await piped, "resolved");
          },
        );
      }));
  }

  test("readable.pipe(res) of a 5 MB file on a file storage arrives byte for byte", TIMEOUT, () =>
    withoutCrash(async () => {
      const storage = STORAGES.file!();
      await using(
        storage,
        (req, res) => {
          req.session.set("download", "piped");
          createReadStream(bigFile).pipe(res);
        },
        async (url) => {
          const response = await fetch(url);
          assert.equal((await sessionOf(storage, response.headers.getSetCookie())).get("download"), "piped");
          const body = new Uint8Array(await response.arrayBuffer());
          assert.equal(body.length, bigData.length);
          assert.equal(sha256(body), sha256(bigData));
        },
      );
    }));

  test("writes held while the session saves report backpressure at the high-water mark, and 'drain' follows", TIMEOUT, () =>
    withoutCrash(async () => {
      let written = 0;
      let needDrain: boolean | undefined;
      await using(
        STORAGES.file!(),
        (req, res) => {
          req.session.set("n", 1);
          const chunk = "x".repeat(res.writableHighWaterMark / 16);
          let ok = true;
          while (ok && written < 64) {
            ok = res.write(chunk);
            written++;
          }
          needDrain = res.writableNeedDrain;
          if (ok) res.end("|no backpressure");
          else res.once("drain", () => res.end("|drained"));
        },
        async (url) => {
          const text = await (await fetch(url)).text();
          assert.equal(written, 16);
          assert.equal(needDrain, true);
          assert.equal(text, "x".repeat(16 * 1024) + "|drained");
        },
      );
    }));
});

/** Sends `head` (and `body`) on a raw socket and returns every byte the server sent back, as latin1. */
async function rawExchange(port: number, head: string, body = ""): Promise<string> {
  const socket = connect(port, "127.0.0.1");
  await once(socket, "connect");
  socket.write(head + body);
  const chunks: Buffer[] = [];
  socket.on("data", (c: Buffer) => chunks.push(c));
  await once(socket, "end");
  socket.destroy();
  return Buffer.concat(chunks).toString("latin1");
}

/** The wire without the lines the session adds (and the clock's). */
const withoutSessionLines = (wire: string) => wire.replace(/^(Date|Set-Cookie|Vary|Cache-Control): .*\r\n/gim, "");

describe("every header-sending call of ServerResponse through a held response", () => {
  /** 100 Continue, two Early Hints (one behind writeHead), flushed head, chunks, trailers. */
  const everything: Route = (req, res) => {
    req.session?.set("seen", true);
    res.writeContinue();
    const parts: Buffer[] = [];
    req.on("data", (c: Buffer) => parts.push(c));
    req.on("end", () => {
      res.writeEarlyHints({ link: "</style.css>; rel=preload; as=style" });
      res.writeHead(200, "Fine", { "Content-Type": "text/plain", Trailer: "X-Length" });
      res.writeEarlyHints({ link: "</app.js>; rel=preload; as=script" });
      res.flushHeaders();
      const body = Buffer.concat(parts).toString();
      res.write(`got ${body}`);
      res.addTrailers({ "X-Length": String(body.length) });
      res.end("!");
    });
  };
  const head =
    "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nExpect: 100-continue\r\nContent-Length: 5\r\nConnection: close\r\n\r\n";

  async function wire(storage: SessionStorage | null, cookieHeader?: string): Promise<string> {
    const server = createServer();
    server.on("checkContinue", (req, res) => server.emit("request", req, res));
    const running = await bare(storage, everything, server);
    try {
      return await rawExchange(running.port, cookieHeader ? head.replace("\r\n\r\n", `\r\nCookie: ${cookieHeader}\r\n\r\n`) : head, "hello");
    } finally {
      await running.close();
    }
  }

  for (const c of CASES.filter((c) => c.kind !== "cookie")) {
    test(`writeContinue, writeEarlyHints, writeHead, flushHeaders, write, addTrailers, end on ${caseName(c)}: the same bytes in the same order`, TIMEOUT, () =>
      withoutCrash(async () => {
        const plain = await wire(null);
        const storage = STORAGES[c.kind]!();
        const held = await wire(storage, c.presented ? await presented(storage) : undefined);
        assert.equal(
          withoutSessionLines(plain),
          "HTTP/1.1 100 Continue\r\n\r\n" +
            "HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload; as=style\r\n\r\n" +
            "HTTP/1.1 103 Early Hints\r\nLink: </app.js>; rel=preload; as=script\r\n\r\n" +
            "HTTP/1.1 200 Fine\r\nContent-Type: text/plain\r\nTrailer: X-Length\r\nConnection: close\r\nTransfer-Encoding: chunked\r\n\r\n" +
            "9\r\ngot hello\r\n1\r\n!\r\n0\r\nX-Length: 5\r\n\r\n",
        );
        assert.equal(withoutSessionLines(held), withoutSessionLines(plain));
        if (c.presented) return assert.doesNotMatch(held, /^Set-Cookie:/m);
        const finalHead = held.slice(held.indexOf("HTTP/1.1 200"));
        assert.equal(held.match(/^Set-Cookie: sid=/gm)?.length, 1);
        assert.match(finalHead, /^Set-Cookie: sid=/m, "the cookie is in the final head, not in a 1xx");
      }));
  }

  test("writeEarlyHints reaches a node:http client as a 103 before the response and its cookie", TIMEOUT, () =>
    withoutCrash(async () => {
      const storage = STORAGES.file!();
      await using(
        storage,
        (req, res) => {
          req.session.set("hinted", true);
          res.writeHead(200, { "Content-Type": "text/plain" });
          res.writeEarlyHints({ link: "</font.woff2>; rel=preload; as=font" });
          res.end("hinted");
        },
        async (_url, port) => {
          const seen: string[] = [];
          const req = request({ host: "127.0.0.1", port, path: "/" });
          req.on("information", (info) => seen.push(`${info.statusCode} ${info.headers.link}`));
          req.end();
          const [res] = (await once(req, "response")) as [IncomingMessage];
          seen.push(String(res.statusCode));
          let body = "";
          for await (const chunk of res) body += chunk;
          assert.deepEqual(seen, ["103 </font.woff2>; rel=preload; as=font", "200"]);
          assert.equal(body, "hinted");
          const setCookie = res.headers["set-cookie"] ?? [];
          assert.equal((await sessionOf(storage, setCookie)).get("hinted"), true);
        },
      );
    }));

  test("while the session saves, the response reports its head as sent, and a status set after the first write changes nothing", TIMEOUT, () =>
    withoutCrash(async () => {
      const route: Route = (req, res) => {
        req.session?.set("n", 1);
        res.write(`before ${res.headersSent} `);
        const after = res.headersSent;
        res.statusCode = 404;
        res.end(`after ${after}`);
      };
      for (const storage of [null, STORAGES.file!()]) {
        await using(storage, route, async (url) => {
          const response = await fetch(url);
          assert.equal(response.status, 200);
          assert.equal(await response.text(), "before false after true");
        });
      }
    }));
});

/**
 * Runs a bare server on a file storage with `route` below the middleware, and
 * `client` against it, in a process of its own (both are the source of a plain
 * JavaScript function): what `client` returned, and the errors the middleware
 * printed with console.error. The process must exit 0, which it does only when
 * nothing reached uncaughtException or unhandledRejection.
 */
async function underFileStorage(route: string, client: string): Promise<{ seen: unknown; logged: PrintedError[] }> {
  const run = await runScript(
    import.meta.url,
    `
    import { createFileSessionStorage } from "../src/file.js";
    import { using } from "./bare-server.js";
    const storage = createFileSessionStorage({ dir: ${JSON.stringify(join(dir, "sessions"))}, cookie: ${JSON.stringify(cookie)} });
    const client = ${client};
    let seen;
    await using(storage, ${route}, async (url) => {
      seen = await client(url);
    });
    console.log(JSON.stringify(seen));
    `,
  );
  assert.equal(run.code, 0, run.stderr);
  return { seen: JSON.parse(run.stdout), logged: printedErrors(run.stderr) };
}

describe("an error thrown by a held call", () => {
  for (const c of CASES.filter((c) => c.kind !== "cookie")) {
    test(`Express 5 on ${caseName(c)}: the error handler gets the TypeError of res.end(42) and answers its own 500; the server keeps answering`, TIMEOUT, () =>
      withoutCrash(async () => {
        const storage = STORAGES[c.kind]!();
        const headers: Record<string, string> = c.presented ? { cookie: await presented(storage) } : {};
        const app = express();
        app.use(session(storage));
        app.get("/bad", (req, res) => {
          (req as unknown as SessionRequest).session.set("n", 1);
          res.end(42 as never);
        });
        app.get("/ok", (_req, res) => {
          res.send("still here");
        });
        app.use(((error: Error & { code?: string }, _req, res, _next) => {
          res.status(500).send(`handled ${error.name} ${error.code}`);
        }) as express.ErrorRequestHandler);
        const server = await listen(createServer(app));
        try {
          const bad = await fetch(`${server.url}/bad`, { headers });
          assert.equal(bad.status, 500);
          assert.equal(await bad.text(), "handled TypeError ERR_INVALID_ARG_TYPE");
          const ok = await fetch(`${server.url}/ok`, { headers });
          assert.equal(await ok.text(), "still here");
        } finally {
          await server.close();
        }
      }));
  }

  test("a bare node:http server whose deferred res.end(42) throws answers 500 and keeps running", TIMEOUT, async () => {
    const run = await underFileStorage(
      `(req, res) => {
        req.session.set("n", 1);
        if (req.url === "/bad") res.end(42);
        else res.end("fine");
      }`,
      `async (url) => {
        const bad = await fetch(url + "/bad");
        const seen = { status: bad.status, text: await bad.text() };
        seen.ok = await (await fetch(url + "/ok")).text();
        return seen;
      }`,
    );
    assert.deepEqual(run.seen, { status: 500, text: "Internal Server Error\n", ok: "fine" });
    assert.deepEqual(run.logged.map((e) => e.code), ["ERR_INVALID_ARG_TYPE"]);
  });

  test("a node:http callback that takes an error gets the deferred one and answers it", TIMEOUT, () =>
    withoutCrash(async () => {
      const withSession = session(STORAGES.file!());
      const server = await listen(
        createServer((req, res) =>
          withSession(req, res, (error) => {
            if (error) {
              res.statusCode = 500;
              res.end(`own answer: ${(error as { code?: string }).code}`);
              return;
            }
            (req as SessionRequest).session.set("n", 1);
            res.setHeader("Content-Type", "text/plain");
            res.end(42 as never);
          }),
        ),
      );
      try {
        const bad = await fetch(server.url);
        assert.equal(bad.status, 500);
        assert.equal(await bad.text(), "own answer: ERR_INVALID_ARG_TYPE");
      } finally {
        await server.close();
      }
    }));

  test("a deferred call that throws after the head went out closes the connection", TIMEOUT, async () => {
    const run = await underFileStorage(
      `(req, res) => {
        req.session.set("n", 1);
        res.writeHead(200, { "Content-Type": "text/plain" });
        res.flushHeaders();
        res.write("partial");
        res.write(42);
        res.end("never");
      }`,
      `async (url) => {
        const response = await fetch(url);
        const body = await response.text().then(() => "read", (error) => error.name);
        return { status: response.status, body };
      }`,
    );
    assert.deepEqual(run.seen, { status: 200, body: "TypeError" });
    assert.equal(run.logged[0]?.code, "ERR_INVALID_ARG_TYPE");
  });

  test("a handler that throws while its response is held closes the connection; the server keeps answering", TIMEOUT, async () => {
    const run = await underFileStorage(
      `(req, res) => {
        req.session.set("n", 1);
        if (req.url === "/ok") return void res.end("fine");
        res.writeHead(200, { "Content-Type": "text/plain" });
        res.write("partial");
        throw new Error("boom");
      }`,
      `async (url) => {
        const bad = await fetch(url + "/bad").then(() => "answered", (error) => error.name);
        return { bad, ok: await (await fetch(url + "/ok")).text() };
      }`,
    );
    assert.deepEqual(run.seen, { bad: "TypeError", ok: "fine" });
    assert.deepEqual(
      run.logged.map((e) => e.message),
      ["boom"],
    );
  });
});

describe("a client that leaves", () => {
  test("a client that closes the connection while the session saves: the held calls go nowhere and the server keeps answering", TIMEOUT, () =>
    withoutCrash(async () => {
      let replayed!: (results: unknown[]) => void;
      const done = new Promise<unknown[]>((r) => (replayed = r));
      await using(
        STORAGES.file!(),
        (req, res) => {
          req.session.set("n", 1);
          if (req.url === "/ok") return void res.end("fine");
          res.writeHead(200, { "Content-Type": "text/plain" });
          res.flushHeaders();
          res.write("one", () => undefined);
          // Once the server has seen the client go, write more: the save may finish before or after.
          res.once("close", () => replayed([res.write("two"), res.end("three")]));
        },
        async (_url, port) => {
          const socket = connect(port, "127.0.0.1");
          await once(socket, "connect");
          socket.end("GET /bad HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
          socket.destroy();
          await once(socket, "close");
          const results = await done;
          assert.equal(results.length, 2);
          const url = `http://127.0.0.1:${port}`;
          assert.equal(await (await fetch(`${url}/ok`)).text(), "fine");
        },
      );
    }));
});

describe("other wrappers of the response", () => {
  test("a middleware after the session that wraps res.write and res.end keeps wrapping once the session is saved", TIMEOUT, () =>
    withoutCrash(async () => {
      const app = express();
      app.use(session(STORAGES.file!()));
      app.use((_req, res, next) => {
        const write = res.write;
        const end = res.end;
        const upper = (chunk: unknown) => (typeof chunk === "string" ? chunk.toUpperCase() : chunk);
        res.write = function (this: unknown, chunk: unknown, ...rest: unknown[]) {
          return (write as (...a: unknown[]) => boolean).call(this, upper(chunk), ...rest);
        } as typeof res.write;
        res.end = function (this: unknown, chunk: unknown, ...rest: unknown[]) {
          return (end as (...a: unknown[]) => unknown).call(this, upper(chunk), ...rest);
        } as typeof res.end;
        next();
      });
      app.get("/", (req, res) => {
        (req as unknown as SessionRequest).session.set("n", 1);
        // The rest once "a" has gone out, which is after the session was saved.
        res.write("a", () => {
          res.write("b");
          res.end("c");
        });
      });
      const server = await listen(createServer(app));
      try {
        const response = await fetch(server.url);
        assert.equal(response.headers.getSetCookie().length, 1);
        assert.equal(await response.text(), "ABC");
      } finally {
        await server.close();
      }
    }));
});
