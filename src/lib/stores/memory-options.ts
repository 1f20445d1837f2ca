/** The bounds of a `MemoryStore`. */
export interface MemoryStoreOptions {
  /**
   * The most sessions kept, signed-in and anonymous together. Default 100,000
   * (about 30 MB with small sessions). Past it the least recently used
   * anonymous session is evicted; a signed-in one only when no anonymous
   * session is left.
   */
  maxSessions?: number | undefined;
  /**
   * The most anonymous sessions kept (a CSRF token on a login form, a
   * visitor's cart), within `maxSessions`. Default `maxSessions`. Past it the
   * least recently used anonymous session is evicted.
   *
   * Anonymous sessions always go first, whatever this bound: a flood of
   * anonymous requests evicts only anonymous sessions, and signs nobody out. So
   * the default lets a site without sign-in use all of `maxSessions`; set it
   * lower to cap the share of memory visitors can take.
   *
   * A session counts as signed in while it has an owner (the value under
   * `userKey`), and from the moment it is regenerated (`regenerateId()`, as a
   * login does) even without a `userKey`; it counts as anonymous again when its
   * owner is removed.
   */
  maxAnonymousSessions?: number | undefined;
}
