import { asStoreError, SessionStoreError } from "../errors.js";

/**
 * `work`, or a `SessionStoreError` after `ms`: a server that stopped answering
 * must fail the request in bounded time, not hang it. Any other failure is
 * wrapped too, named after `server`, in fixed words: a driver's message can
 * carry the host, the port or the connection URL, and a store error's message
 * ends up in logs and error pages. The driver's error stays as `cause`.
 * `onTimeout` is told when the wait is given up (to abort the command).
 */
export async function withTimeout<T>(server: string, ms: number, work: Promise<T>, onTimeout?: () => void): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      work,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          reject(new SessionStoreError(`${server}: no answer within ${ms} ms`));
          onTimeout?.();
        }, ms);
      }),
    ]);
  } catch (error) {
    throw asStoreError(error, `${server}: the command failed`);
  } finally {
    clearTimeout(timer);
  }
}
