package dev.aijobs.worker.admin;

/** A command line the tool cannot run; the message says what is wrong. Exit code 2. */
final class UsageException extends Exception {
  UsageException(String message) {
    super(message);
  }
}
