const core = await import("tessera-session");
const fetchI = await import("tessera-session/fetch");
const rr = await import("tessera-session/react-router");
const g = globalThis;
console.log(JSON.stringify({ core: Object.keys(core).length, fetch: Object.keys(fetchI), rr: Object.keys(rr).length, gbm: typeof g.process?.getBuiltinModule, als: typeof g.AsyncLocalStorage }));
