/** Consuming jobs: decode and validate, dispatch, settle each delivery exactly once. */
package dev.aijobs.worker.consume;
