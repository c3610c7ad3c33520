/** RabbitMQ connections on the shared event loop: cluster addresses, TLS, recovery. */
package dev.aijobs.worker.amqp;
