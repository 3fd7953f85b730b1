/**
 * Errors meant for the user: the CLI prints `message` alone (no stack trace) and exits with
 * `exitCode`. Anything else that escapes is a bug in gan and is printed with its stack.
 */
export class UserError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = "UserError";
  }
}

/** Wrong command-line usage: exit code 2, as POSIX tools do. */
export class UsageError extends UserError {
  constructor(message: string) {
    super(message, 2);
    this.name = "UsageError";
  }
}

export function isUserError(error: unknown): error is UserError {
  return error instanceof UserError || (error instanceof Error && error.name === "UserError");
}
