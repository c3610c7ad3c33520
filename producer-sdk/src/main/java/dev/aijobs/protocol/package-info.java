/**
 * The wire contract v1 between producers (the bot) and workers: message records, the JSON codec,
 * error codes and the RabbitMQ topology. See {@code docs/protocol.md}.
 */
package dev.aijobs.protocol;
