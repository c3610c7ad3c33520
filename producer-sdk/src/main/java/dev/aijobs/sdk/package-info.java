/**
 * The producer SDK: a RabbitMQ client for bots that publish AI jobs and wait for their results or
 * streams ({@link dev.aijobs.sdk.AiJobsClient}, configured by {@link dev.aijobs.sdk.ClientConfig}).
 */
package dev.aijobs.sdk;
