#!/usr/bin/env python3
"""Publish one AI job to aijobs over RabbitMQ and print its result.

A complete producer for wire contract v1 (docs/protocol.md), using only pika:

  * declares the `ai.jobs` topic exchange (idempotent; the worker declares the same) and a
    durable reply queue of its own;
  * publishes a job with the AMQP properties the contract asks for, with publisher confirms
    and `mandatory`, so a job that no queue receives is reported instead of lost;
  * waits for the reply whose correlation_id is the job's, prints stream chunks as they come
    (honouring "restart") and then the final result.

Requirements: Python 3.8+ and pika (Debian/Ubuntu: `apt-get install -y python3-pika`;
elsewhere: `pip install pika`).

    /usr/bin/python3 publish_job.py --provider openrouter --model deepseek/deepseek-chat \
        --prompt "Say hello" --stream

Exit status: 0 for an ok result, 1 for an error result, 2 when no result came in time,
3 when the job could not be published.
"""

import argparse
import json
import os
import sys
import time
import uuid

import pika
from pika.exceptions import NackError, UnroutableError

JOBS_EXCHANGE = "ai.jobs"
CONTENT_TYPE = "application/json"
PERSISTENT = 2


def target(text):
    """Parses PROVIDER:MODEL (the model may itself contain ':' or '/')."""
    provider, sep, model = text.partition(":")
    if not sep or not provider or not model:
        raise argparse.ArgumentTypeError(f"expected PROVIDER:MODEL, got {text!r}")
    return {"provider": provider, "model": model}


def parse_args():
    p = argparse.ArgumentParser(description="Publish one aijobs job and print its result.")
    p.add_argument("--url",
                   default=os.environ.get("AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/%2F"),
                   help="AMQP URL (default: $AMQP_URL or the local broker)")
    p.add_argument("--provider", default="openrouter", help="provider id, also the routing key")
    p.add_argument("--model", default="deepseek/deepseek-chat")
    p.add_argument("--fallback", action="append", default=[], type=target,
                   metavar="PROVIDER:MODEL",
                   help="a fallback target; repeat for more, tried in order")
    p.add_argument("--prompt", default="Say hello in one word.")
    p.add_argument("--stream", action="store_true", help="ask for stream chunks")
    p.add_argument("--timeout", type=float, default=60.0,
                   help="seconds until the job's deadline; also how long to wait for the result")
    p.add_argument("--reply-queue", default="aijobs.example.replies",
                   help="durable queue the worker sends replies to")
    return p.parse_args()


def build_job(args, job_id, now_ms):
    """The request body. Integers must stay integers: the worker rejects 1.0 or 1e12."""
    job = {
        "v": 1,
        "id": job_id,
        "provider": args.provider,
        "model": args.model,
        "messages": [{"role": "user", "content": args.prompt}],
        "params": {"temperature": 0.7, "max_tokens": 256},
        "stream": args.stream,
        "created_ms": now_ms,
        "deadline_ms": now_ms + int(args.timeout * 1000),
        "meta": {"example": "publish_job.py"},
    }
    if args.fallback:
        job["fallbacks"] = args.fallback
    return job


def publish(channel, args, job):
    properties = pika.BasicProperties(
        content_type=CONTENT_TYPE,
        delivery_mode=PERSISTENT,
        message_id=job["id"],            # must equal the body's id
        correlation_id=job["id"],        # echoed on every reply; defaults to the id anyway
        reply_to=args.reply_queue,       # without it the job is dead-lettered as invalid_job
        timestamp=job["created_ms"] // 1000,
    )
    channel.basic_publish(
        exchange=JOBS_EXCHANGE,
        routing_key=job["provider"],
        body=json.dumps(job).encode("utf-8"),
        properties=properties,
        mandatory=True,
    )


def wait_for_result(channel, args, job_id, deadline):
    """Consumes the reply queue until the job's result arrives or the deadline passes."""
    text = []
    try:
        replies = channel.consume(args.reply_queue, inactivity_timeout=0.5)
        for method, properties, body in replies:
            if time.monotonic() > deadline:
                return None
            if method is None:  # nothing arrived in the last half second
                continue
            if properties.correlation_id != job_id:
                # A reply to another job: a late one from an earlier run, or a duplicate after
                # redelivery. A real bot looks the id up in its pending jobs instead.
                print(f"skipping reply for {properties.correlation_id}", file=sys.stderr)
                channel.basic_ack(method.delivery_tag)
                continue
            reply = json.loads(body)
            kind = properties.type or reply.get("type")
            if kind == "chunk":
                if reply.get("restart"):
                    text.clear()  # another attempt took over: drop the partial answer
                    print("\n[restart]", file=sys.stderr)
                text.append(reply["delta"])
                print(reply["delta"], end="", flush=True, file=sys.stderr)
                channel.basic_ack(method.delivery_tag)
                continue
            channel.basic_ack(method.delivery_tag)
            if text:
                print(file=sys.stderr)
            return reply
    finally:
        channel.cancel()
    return None


def main():
    args = parse_args()
    job_id = str(uuid.uuid4())
    now_ms = int(time.time() * 1000)
    job = build_job(args, job_id, now_ms)

    connection = pika.BlockingConnection(pika.URLParameters(args.url))
    try:
        channel = connection.channel()
        channel.confirm_delivery()
        # A producer declares at most the exchange and its own reply queue; the worker owns
        # ai.jobs (queue) and the dead-letter topology.
        channel.exchange_declare(JOBS_EXCHANGE, exchange_type="topic", durable=True)
        channel.queue_declare(args.reply_queue, durable=True)
        channel.basic_qos(prefetch_count=100)

        try:
            publish(channel, args, job)
        except UnroutableError:
            print("job was not routed to any queue: has a worker declared ai.jobs?",
                  file=sys.stderr)
            return 3
        except NackError:
            print("the broker refused the job", file=sys.stderr)
            return 3
        print(f"published job {job_id} (routing key {args.provider!r})", file=sys.stderr)

        result = wait_for_result(channel, args, job_id, time.monotonic() + args.timeout + 5)
        if result is None:
            print(f"no result for job {job_id} within {args.timeout:.0f} s", file=sys.stderr)
            return 2
        print(json.dumps(result, indent=2))
        return 0 if result.get("status") == "ok" else 1
    finally:
        connection.close()


if __name__ == "__main__":
    sys.exit(main())
