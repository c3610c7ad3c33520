package dev.aijobs.worker.admin;

/** A command that could not be carried out (broker refused, queue missing, ...). Exit code 1. */
final class AdminException extends Exception {
  AdminException(String message) {
    super(message);
  }

  AdminException(String message, Throwable cause) {
    super(message, cause);
  }
}
