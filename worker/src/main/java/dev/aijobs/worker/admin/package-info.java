/**
 * The {@code queues} command of the worker jar: queue statistics, and listing, replaying and
 * purging dead letters, against a real broker over AMQP (and its management API when there is one).
 */
package dev.aijobs.worker.admin;
