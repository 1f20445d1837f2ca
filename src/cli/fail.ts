/** A user error: the command prints one line and exits non-zero. */
export class CliError extends Error {
  constructor(message: string, readonly code = 2) {
    super(message);
  }
}
