"""A small asyncio client for aijobs (wire contract v1, docs/protocol.md), using aio-pika.

The same two calls as the Java SDK (dev.aijobs.sdk.AiJobsClient):

    client = await AiJobsClient.connect("amqp://guest:guest@127.0.0.1:5672/%2F", "bot-1.replies")
    future = await client.submit(new_job("openrouter", "deepseek/deepseek-chat", "Hi"))
    result = await future                       # the result dict (status "ok" or "error")
    result = await client.stream(job, on_chunk) # chunks in order, then the result
    await client.close()

What it does for you:

  * replies come to a durable queue of yours (a stable name per bot instance): results published
    while the bot is down wait there, and go to `on_unclaimed` when no future waits for them;
  * jobs are published persistent with publisher confirms and `mandatory`: `submit` raises
    `PublishError` when the broker returns (no queue) or refuses (nack) the job;
  * each future fails with `asyncio.TimeoutError` when no result came by the job's deadline
    (plus a grace period); a job without a deadline gets one (now + default_timeout);
  * a result that arrives twice (the worker ran the job again after a redelivery) is delivered
    once; stream chunks are delivered in `seq` order, calling `on_restart` before a restart.

Requirements: Python 3.8+ and aio-pika (Debian/Ubuntu: `apt-get install -y python3-aio-pika`,
then run with /usr/bin/python3; elsewhere: `pip install aio-pika`).
"""

import asyncio
import collections
import json
import time
import uuid

import aio_pika
from aio_pika.exceptions import DeliveryError

JOBS_EXCHANGE = "ai.jobs"
CONTENT_TYPE = "application/json"


class PublishError(Exception):
    """The broker did not take the job: returned as unroutable, or nacked."""


def new_job(provider, model, prompt, *, system=None, timeout=60.0, params=None, fallbacks=(),
            meta=None, job_id=None):
    """A valid v1 job body. Integers stay integers: the worker rejects 1.0 or 1e12."""
    now_ms = int(time.time() * 1000)
    messages = []
    if system:
        messages.append({"role": "system", "content": system})
    messages.append({"role": "user", "content": prompt})
    job = {
        "v": 1,
        "id": job_id or str(uuid.uuid4()),
        "provider": provider,
        "model": model,
        "messages": messages,
        "stream": False,
        "created_ms": now_ms,
        "deadline_ms": now_ms + int(timeout * 1000),
    }
    if params:
        job["params"] = dict(params)
    if fallbacks:
        job["fallbacks"] = [{"provider": p, "model": m} for p, m in fallbacks]
    if meta is not None:
        job["meta"] = meta
    return job


class _Pending:
    def __init__(self, future, on_chunk, on_restart):
        self.future = future
        self.on_chunk = on_chunk
        self.on_restart = on_restart
        self.next_seq = 0
        self.timer = None


class AiJobsClient:
    """One connection, one durable reply queue. Use one instance per reply queue."""

    def __init__(self, connection, channel, reply_queue, on_unclaimed, default_timeout, grace,
                 dedup_size):
        self._connection = connection
        self._channel = channel
        self._reply_queue = reply_queue
        self._on_unclaimed = on_unclaimed
        self._default_timeout = default_timeout
        self._grace = grace
        self._pending = {}
        self._recent = collections.OrderedDict()
        self._dedup_size = dedup_size
        self._exchange = None
        self._consumer_tag = None

    @classmethod
    async def connect(cls, url, reply_queue, *, on_unclaimed=None, default_timeout=120.0,
                      grace=2.0, prefetch=200, dedup_size=100_000, connection_name="aijobs-py"):
        """Connects (with automatic reconnection), declares the exchange and the durable reply
        queue, and starts consuming replies."""
        connection = await aio_pika.connect_robust(
            url, client_properties={"connection_name": connection_name})
        channel = await connection.channel(publisher_confirms=True, on_return_raises=True)
        await channel.set_qos(prefetch_count=prefetch)
        client = cls(connection, channel, reply_queue, on_unclaimed, default_timeout, grace,
                     dedup_size)
        # A producer declares at most the exchange and its own reply queue.
        client._exchange = await channel.declare_exchange(
            JOBS_EXCHANGE, aio_pika.ExchangeType.TOPIC, durable=True)
        queue = await channel.declare_queue(reply_queue, durable=True)
        client._consumer_tag = await queue.consume(client._on_reply)
        return client

    async def submit(self, job):
        """Publishes a job (waiting for the broker's confirm) and returns a future of its
        result. Raises PublishError when the broker returns or refuses the job."""
        return await self._publish(job, None, None)

    async def stream(self, job, on_chunk, on_restart=None):
        """Publishes a job asking for chunks; `on_chunk(chunk)` gets them in order (call
        `on_restart()` first when another attempt took over: drop the text so far). Returns the
        result, whose completion.content is the full text."""
        job = dict(job, stream=True)
        return await (await self._publish(job, on_chunk, on_restart))

    async def close(self):
        """Fails what is still pending and closes the connection; results stay in the queue."""
        for job_id, pending in list(self._pending.items()):
            self._finish(job_id, error=RuntimeError(f"client closed before job {job_id} completed"))
        await self._connection.close()

    async def _publish(self, job, on_chunk, on_restart):
        loop = asyncio.get_running_loop()
        job_id = job["id"]
        if job_id in self._pending:
            raise ValueError(f"job {job_id} is already in flight")
        now_ms = int(time.time() * 1000)
        job = dict(job)
        job.setdefault("created_ms", now_ms)
        job.setdefault("deadline_ms", now_ms + int(self._default_timeout * 1000))
        pending = _Pending(loop.create_future(), on_chunk, on_restart)
        self._recent.pop(job_id, None)  # submitted again: its next result is wanted
        self._pending[job_id] = pending   # before publishing: the reply may come fast
        wait = max(0.0, job["deadline_ms"] / 1000 - time.time()) + self._grace
        pending.timer = loop.call_later(wait, self._timeout, job_id, wait)
        message = aio_pika.Message(
            body=json.dumps(job).encode("utf-8"),
            content_type=CONTENT_TYPE,
            delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
            message_id=job_id,
            correlation_id=job_id,
            reply_to=self._reply_queue,
            timestamp=int(job["created_ms"] // 1000),
        )
        try:
            await self._exchange.publish(message, routing_key=job["provider"], mandatory=True)
        except DeliveryError as e:
            self._finish(job_id, error=PublishError(
                f"job {job_id} was returned or refused by the broker: {e}"))
        except Exception as e:
            self._finish(job_id, error=PublishError(f"job {job_id} not published: {e!r}"))
        return pending.future

    def _timeout(self, job_id, waited):
        self._finish(job_id, error=asyncio.TimeoutError(
            f"no result for job {job_id} within {waited:.1f} s"))

    def _finish(self, job_id, result=None, error=None):
        pending = self._pending.pop(job_id, None)
        if pending is None:
            return
        if pending.timer:
            pending.timer.cancel()
        if pending.future.done():
            return
        if error is not None:
            pending.future.set_exception(error)
        else:
            pending.future.set_result(result)

    def _seen(self, job_id):
        """Records a finished job id; True when it was already seen (a duplicate)."""
        if job_id in self._recent:
            return True
        self._recent[job_id] = True
        if len(self._recent) > self._dedup_size:
            self._recent.popitem(last=False)
        return False

    async def _on_reply(self, message):
        async with message.process():  # acks after handling, requeues if this raises
            body = json.loads(message.body)
            key = message.correlation_id or body.get("id")
            kind = message.type or body.get("type")
            if kind == "chunk":
                self._on_chunk(key, body, message.redelivered)
                return
            pending = self._pending.get(key)
            if pending is not None:
                self._seen(key)
                self._finish(key, result=body)
            elif not self._seen(key) and self._on_unclaimed is not None:
                self._on_unclaimed(body)

    def _on_chunk(self, key, chunk, redelivered):
        pending = self._pending.get(key)
        if pending is None or pending.on_chunk is None:
            return  # nobody streams it: the result carries the full text
        seq = chunk["seq"]
        restart = chunk.get("restart", False)
        if seq < pending.next_seq:
            if seq != 0 or redelivered:
                return  # a duplicate
            restart = True  # the job runs again from the start after a redelivery
        elif seq > pending.next_seq and not restart:
            return  # a lost chunk before it: the result repairs the text
        pending.next_seq = seq + 1
        if restart and pending.on_restart is not None:
            pending.on_restart()
        pending.on_chunk(chunk)
