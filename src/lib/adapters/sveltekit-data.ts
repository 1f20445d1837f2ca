/**
 * The status a SvelteKit data response (`__data.json`, what a client-side
 * navigation asks for) stands for. SvelteKit answers it 200 even when a `load`
 * failed, with the failure as one of its nodes: `{ "type": "error", "status": 401 }`
 * for `error(401)`, no status for an unexpected error (which the document
 * request answers 500). So that the commit policy treats it as the document,
 * this reads the nodes: the first line of the body, which is the whole answer
 * (`application/json`) or its first part, before the chunks of streamed promises
 * (`text/sveltekit-data`). The response to send on is returned beside it, since
 * reading a streamed body means splitting it.
 */
export async function dataResponseStatus(response: Response): Promise<{ status: number; response: Response }> {
  const type = response.headers.get("content-type");
  if (response.status !== 200 || !response.body || (type !== "application/json" && type !== "text/sveltekit-data")) {
    return { status: response.status, response };
  }
  const [mine, theirs] = response.body.tee();
  const sent = new Response(theirs, response);
  try {
    return { status: statusOfNodes(await firstLine(mine)), response: sent };
  } catch {
    // Not SvelteKit's data after all: its status stands.
    return { status: response.status, response: sent };
  }
}

/** The text of `body` up to its first newline (or its end), leaving the rest unread. */
async function firstLine(body: ReadableStream<Uint8Array>): Promise<string> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let text = "";
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return text + decoder.decode();
      text += decoder.decode(value, { stream: true });
      const end = text.indexOf("\n");
      if (end >= 0) return text.slice(0, end);
    }
  } finally {
    reader.cancel().catch(() => {});
  }
}

/** 500 when a node failed unexpectedly (or with a 5xx), the first 4xx a node ended with, else 200. */
function statusOfNodes(line: string): number {
  const answer = JSON.parse(line) as { type?: unknown; nodes?: unknown };
  if (answer.type !== "data" || !Array.isArray(answer.nodes)) return 200;
  let status = 200;
  for (const node of answer.nodes as Array<{ type?: unknown; status?: unknown } | null>) {
    if (node?.type !== "error") continue;
    const given = typeof node.status === "number" ? node.status : 500;
    if (given >= 500) return 500;
    if (status === 200) status = given;
  }
  return status;
}
