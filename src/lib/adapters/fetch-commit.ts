import { SessionStoreError } from "../errors.js";
import type { SessionStorage } from "../engine/storage.js";
import type { Session } from "../session/session.js";
import { commitHeaders } from "./commit-policy.js";
import type { RequestSession } from "./context.js";
import { fetchResponse, originOf, unavailableResponse, withHeaders } from "./fetch-response.js";
import type { TransportOptions } from "./secure-origin.js";

/** The request's session, read now; a failing store gives the 503 to answer with instead. */
export async function readOrUnavailable<Data, FlashData>(rs: RequestSession<Data, FlashData>): Promise<Session<Data, FlashData> | Response> {
  try {
    return await rs.get();
  } catch (error) {
    if (error instanceof SessionStoreError) return unavailableResponse();
    throw error;
  }
}

/**
 * `response` with the session committed onto it by the one commit policy
 * (commit-policy.ts), or the 503 in its place when the store fails while saving.
 * `status` is the one the policy goes by, when the response stands for another
 * (a SvelteKit data response: sveltekit-data.ts).
 */
export async function committedResponse<Data, FlashData>(
  storage: SessionStorage<Data, FlashData>,
  session: Session<Data, FlashData>,
  response: Response,
  request: Request,
  options: TransportOptions,
  status = response.status,
): Promise<Response> {
  try {
    const headers = await commitHeaders(storage, session, { ...fetchResponse(response), status }, () => originOf(request), options);
    return headers ? withHeaders(response, headers) : response;
  } catch (error) {
    if (error instanceof SessionStoreError) return unavailableResponse();
    throw error;
  }
}
