"""The asyncio client: publishes jobs to the `ai.jobs` exchange and matches replies from a durable
reply queue to the jobs waiting for them (wire contract v1, docs/protocol.md)."""

from __future__ import annotations

import asyncio
import collections
import inspect
import json
import time
import uuid
from typing import (Any, AsyncIterator, Awaitable, Callable, Dict, List, Mapping, Optional,
                    Sequence, Union)

import aio_pika
from aio_pika.abc import AbstractIncomingMessage
from aio_pika.exceptions import DeliveryError
from aio_pika.exceptions import PublishError as _Returned

from ._types import (ClientClosed, JobTimeout, PublishError, Result, StreamEvent)

JOBS_EXCHANGE = "ai.jobs"
CONTENT_TYPE = "application/json"

# After this many refusals (nacks) in a row for one provider, jobs go out on a new channel, at most
# once every RENEW_INTERVAL seconds: RabbitMQ 3.10 nacks every publish of a channel to a quorum
# queue whose leader's node was down when that channel first published to it, even once a new
# leader runs; a new channel reaches the new leader.
RENEW_AFTER_NACKS = 3
RENEW_INTERVAL = 5.0

Message = Mapping[str, Any]
OnUnclaimed = Callable[[Result], Union[None, Awaitable[None]]]


class _Pending:
    __slots__ = ("future", "events", "next_seq", "text", "timer", "provider", "meta")

    def __init__(self, future: "asyncio.Future[Result]",
                 events: Optional["asyncio.Queue[Optional[StreamEvent]]"], provider: str,
                 meta: Any) -> None:
        self.future = future
        self.events = events
        self.next_seq = 0
        self.text = ""
        self.timer: Optional[asyncio.TimerHandle] = None
        self.provider = provider
        self.meta = meta


class Stream:
    """A streamed job: `async for ev in stream` yields StreamEvents in seq order until the result
    arrives; then `stream.result` is the final Result (as `submit` returns it). Use it as
    `async with client.stream(...) as s:`."""

    def __init__(self, client: "Client", job: Dict[str, Any]) -> None:
        self._client = client
        self._job = job
        self._events: "asyncio.Queue[Optional[StreamEvent]]" = asyncio.Queue()
        self._future: Optional["asyncio.Future[Result]"] = None
        self.result: Optional[Result] = None

    @property
    def id(self) -> str:
        return str(self._job["id"])

    async def __aenter__(self) -> "Stream":
        self._future = await self._client._publish(self._job, self._events)
        return self

    async def __aexit__(self, *exc: Any) -> None:
        if self._future is not None and not self._future.done():
            self._client._forget(self.id)

    def __aiter__(self) -> AsyncIterator[StreamEvent]:
        return self._iterate()

    async def _iterate(self) -> AsyncIterator[StreamEvent]:
        if self._future is None:
            raise RuntimeError("use the stream as `async with client.stream(...) as s`")
        future = self._future
        while True:
            if self._events.empty() and future.done():
                break
            getter = asyncio.ensure_future(self._events.get())
            await asyncio.wait([getter, future], return_when=asyncio.FIRST_COMPLETED)
            if getter.done():
                event = getter.result()
                if event is not None:
                    yield event
                continue
            getter.cancel()
        while not self._events.empty():  # chunks that came with the result
            event = self._events.get_nowait()
            if event is not None:
                yield event
        self.result = future.result()  # raises JobTimeout / PublishError / ClientClosed

    async def wait(self) -> Result:
        """Drains the events and returns the result."""
        async for _ in self:
            pass
        assert self.result is not None
        return self.result


class Client:
    """One connection (reconnecting), one reply queue. Use one instance per reply queue, e.g.
    `bot-1.replies` for a bot instance; results published while the bot is down wait there and
    go to `on_unclaimed` after a restart."""

    def __init__(self, url: str, reply_queue: str, *,
                 on_unclaimed: Optional[OnUnclaimed] = None,
                 durable: bool = True,
                 expires: Optional[float] = None,
                 default_timeout: float = 120.0,
                 grace: float = 2.0,
                 prefetch: int = 200,
                 dedup_size: int = 100_000,
                 connection_name: str = "aijobs-py",
                 exchange: str = JOBS_EXCHANGE) -> None:
        """`expires` (seconds) gives the reply queue an x-expires: the broker deletes it after
        that long without a consumer (for bot instances that come and go). `grace` is how long
        after a job's deadline its result is still awaited before JobTimeout."""
        self.url = url
        self.reply_queue = reply_queue
        self.on_unclaimed = on_unclaimed
        self.durable = durable
        self.expires = expires
        self.default_timeout = default_timeout
        self.grace = grace
        self.prefetch = prefetch
        self.connection_name = connection_name
        self.exchange_name = exchange
        self._dedup_size = dedup_size
        self._pending: Dict[str, _Pending] = {}
        self._recent: "collections.OrderedDict[str, bool]" = collections.OrderedDict()
        self._connection: Optional[aio_pika.abc.AbstractRobustConnection] = None
        self._channel: Optional[aio_pika.abc.AbstractChannel] = None
        self._publish_channel: Optional[aio_pika.abc.AbstractChannel] = None
        self._exchange: Optional[aio_pika.abc.AbstractExchange] = None
        self._nack_streaks: Dict[str, int] = {}
        self._last_renewal = float("-inf")
        self._renewing: Optional["asyncio.Task[None]"] = None
        self._publishing: Dict[int, int] = {}  # id(channel) -> publishes awaiting its confirm
        self.channel_renewals = 0
        """Publishing channels replaced because the broker kept refusing one provider's jobs."""
        from ._openai import Chat
        self.chat = Chat(self)

    async def __aenter__(self) -> "Client":
        await self.connect()
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self.close()

    async def connect(self) -> "Client":
        """Connects (with automatic reconnection), declares the exchange and the reply queue and
        starts consuming replies."""
        self._connection = await aio_pika.connect_robust(
            self.url, client_properties={"connection_name": self.connection_name})
        channel = await self._connection.channel()
        self._channel = channel
        await channel.set_qos(prefetch_count=self.prefetch)
        # A producer declares at most the exchange and its own reply queue.
        self._publish_channel, self._exchange = await self._open_publisher()
        arguments: Dict[str, Any] = {}
        if self.expires is not None:
            arguments["x-expires"] = int(self.expires * 1000)
        queue = await channel.declare_queue(self.reply_queue, durable=self.durable,
                                            arguments=arguments or None)
        await queue.consume(self._on_reply)
        return self

    async def _open_publisher(
            self) -> "tuple[aio_pika.abc.AbstractChannel, aio_pika.abc.AbstractExchange]":
        """A channel with publisher confirms and mandatory returns, and the exchange on it."""
        assert self._connection is not None
        channel = await self._connection.channel(publisher_confirms=True, on_return_raises=True)
        exchange = await channel.declare_exchange(
            self.exchange_name, aio_pika.ExchangeType.TOPIC, durable=True)
        return channel, exchange

    def _refused(self, provider: str) -> None:
        """Counts a nack; starts replacing the publishing channel after too many in a row."""
        streak = self._nack_streaks.get(provider, 0) + 1
        self._nack_streaks[provider] = streak
        loop = asyncio.get_running_loop()
        if (streak >= RENEW_AFTER_NACKS and self._renewing is None
                and loop.time() - self._last_renewal >= RENEW_INTERVAL):
            self._last_renewal = loop.time()
            self._renewing = loop.create_task(self._renew_publisher())

    async def _renew_publisher(self) -> None:
        try:
            old = self._publish_channel
            self._publish_channel, self._exchange = await asyncio.wait_for(
                self._open_publisher(), timeout=30)
            self._nack_streaks.clear()
            self.channel_renewals += 1
            if old is not None:
                # Let the old channel's publishes get their confirms (up to 2 s), then close it.
                for _ in range(40):
                    if not self._publishing.get(id(old)):
                        break
                    await asyncio.sleep(0.05)
                if not old.is_closed:
                    await old.close()
        except Exception:  # keep the old channel; the next refusals try again
            pass
        finally:
            self._last_renewal = asyncio.get_running_loop().time()
            self._renewing = None

    async def close(self) -> None:
        """Fails what is still pending with ClientClosed and closes the connection; results
        still owed stay in the (durable) reply queue."""
        for job_id in list(self._pending):
            self._finish(job_id, error=ClientClosed(f"client closed before job {job_id} ended"))
        if self._renewing is not None:
            self._renewing.cancel()
            await asyncio.gather(self._renewing, return_exceptions=True)
        if self._connection is not None:
            await self._connection.close()
            self._connection = None

    # ---- jobs

    @staticmethod
    def new_job(provider: str, model: str, messages: Sequence[Message], *,
                params: Optional[Mapping[str, Any]] = None, timeout: Optional[float] = None,
                meta: Any = None, fallbacks: Sequence[Mapping[str, str]] = (),
                stream: bool = False, job_id: Optional[str] = None) -> Dict[str, Any]:
        """A v1 job body. Integers stay integers: the worker rejects 1.0 or 1e12."""
        now_ms = int(time.time() * 1000)
        job: Dict[str, Any] = {
            "v": 1,
            "id": job_id or str(uuid.uuid4()),
            "provider": provider,
            "model": model,
            "messages": [dict(m) for m in messages],
            "stream": stream,
            "created_ms": now_ms,
        }
        if timeout is not None:
            job["deadline_ms"] = now_ms + int(timeout * 1000)
        if params:
            job["params"] = dict(params)
        if fallbacks:
            job["fallbacks"] = [{"provider": f["provider"], "model": f["model"]}
                                for f in fallbacks]
        if meta is not None:
            job["meta"] = meta
        return job

    async def submit(self, provider: str, model: str, messages: Sequence[Message], *,
                     params: Optional[Mapping[str, Any]] = None,
                     timeout: Optional[float] = None, meta: Any = None,
                     fallbacks: Sequence[Mapping[str, str]] = (),
                     job_id: Optional[str] = None) -> Result:
        """Publishes a job and waits for its result. An error result is returned as a value
        (`r.ok` is False, `r.error.code` says why); a job no worker queue receives is
        `unknown_provider`. Raises JobTimeout when no result came by the deadline (`timeout`
        seconds, default `default_timeout`) plus `grace`, PublishError when the broker refused
        the job."""
        job = self.new_job(provider, model, messages, params=params,
                           timeout=self.default_timeout if timeout is None else timeout,
                           meta=meta, fallbacks=fallbacks, job_id=job_id)
        return await (await self._publish(job, None))

    def stream(self, provider: str, model: str, messages: Sequence[Message], *,
               params: Optional[Mapping[str, Any]] = None, timeout: Optional[float] = None,
               meta: Any = None, fallbacks: Sequence[Mapping[str, str]] = (),
               job_id: Optional[str] = None) -> Stream:
        """A streamed job: `async with client.stream(...) as s: async for ev in s: ...`, then
        `s.result`."""
        job = self.new_job(provider, model, messages, params=params,
                           timeout=self.default_timeout if timeout is None else timeout,
                           meta=meta, fallbacks=fallbacks, stream=True, job_id=job_id)
        return Stream(self, job)

    async def _publish(self, job: Dict[str, Any],
                       events: Optional["asyncio.Queue[Optional[StreamEvent]]"]
                       ) -> "asyncio.Future[Result]":
        if self._exchange is None:
            raise RuntimeError("client not connected: use `async with Client(...)` or connect()")
        loop = asyncio.get_running_loop()
        job_id = str(job["id"])
        if job_id in self._pending:
            raise ValueError(f"job {job_id} is already in flight")
        now_ms = int(time.time() * 1000)
        job.setdefault("created_ms", now_ms)
        job.setdefault("deadline_ms", now_ms + int(self.default_timeout * 1000))
        pending = _Pending(loop.create_future(), events, str(job["provider"]), job.get("meta"))
        self._recent.pop(job_id, None)  # submitted again: its next result is wanted
        self._pending[job_id] = pending  # before publishing: the reply may come fast
        wait = max(0.0, job["deadline_ms"] / 1000 - time.time()) + self.grace
        pending.timer = loop.call_later(wait, self._timeout, job_id, wait)
        message = aio_pika.Message(
            body=json.dumps(job).encode("utf-8"),
            content_type=CONTENT_TYPE,
            delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
            message_id=job_id,
            correlation_id=job_id,
            reply_to=self.reply_queue,
            timestamp=int(job["created_ms"] // 1000),
        )
        channel, exchange = self._publish_channel, self._exchange
        key = id(channel)
        self._publishing[key] = self._publishing.get(key, 0) + 1
        try:
            await exchange.publish(message, routing_key=str(job["provider"]), mandatory=True)
            if self._nack_streaks and channel is self._publish_channel:
                self._nack_streaks.pop(str(job["provider"]), None)
        except asyncio.CancelledError:
            task = asyncio.current_task()
            cancelling = getattr(task, "cancelling", None)
            if channel is self._publish_channel or cancelling is None or cancelling():
                raise
            # Not this task's cancellation: the replaced channel closed before the confirm.
            self._finish(job_id, error=PublishError(
                f"job {job_id} not confirmed: its channel was replaced"))
        except _Returned:
            # basic.return: no queue is bound for this routing key, so no worker serves it.
            self._finish(job_id, result=Result.failed(
                job_id, "unknown_provider",
                f"no queue is bound for provider '{job['provider']}' "
                "(the broker returned the job)", job.get("meta")))
        except DeliveryError as e:
            if channel is self._publish_channel:  # a replaced channel's refusals count no more
                self._refused(str(job["provider"]))
            self._finish(job_id, error=PublishError(f"job {job_id} refused by the broker: {e}"))
        except Exception as e:  # connection lost while publishing: unknown whether it got there
            self._finish(job_id, error=PublishError(f"job {job_id} not published: {e!r}"))
        finally:
            left = self._publishing.get(key, 1) - 1
            if left > 0:
                self._publishing[key] = left
            else:
                self._publishing.pop(key, None)
        return pending.future

    # ---- replies

    def _timeout(self, job_id: str, waited: float) -> None:
        self._finish(job_id, error=JobTimeout(job_id, waited))

    def _forget(self, job_id: str) -> None:
        """The caller stopped waiting: a later result for it is dropped."""
        self._finish(job_id, error=ClientClosed(f"nobody waits for job {job_id} any more"))
        self._seen(job_id)

    def _finish(self, job_id: str, result: Optional[Result] = None,
                error: Optional[BaseException] = None) -> None:
        pending = self._pending.pop(job_id, None)
        if pending is None:
            return
        if pending.timer is not None:
            pending.timer.cancel()
        if pending.future.done():
            return
        if error is not None:
            pending.future.set_exception(error)
            pending.future.exception()  # mark retrieved: nobody may await it (a closed stream)
        else:
            assert result is not None
            pending.future.set_result(result)

    def _seen(self, job_id: str) -> bool:
        """Records a finished job id; True when it was already seen (a duplicate)."""
        if job_id in self._recent:
            return True
        self._recent[job_id] = True
        if len(self._recent) > self._dedup_size:
            self._recent.popitem(last=False)
        return False

    async def _on_reply(self, message: AbstractIncomingMessage) -> None:
        async with message.process(requeue=True):  # acks after handling, requeues if it raises
            try:
                body = json.loads(message.body)
            except ValueError:
                return  # not a reply of the contract: drop it
            if not isinstance(body, dict):
                return
            key = str(message.correlation_id or body.get("id"))
            kind = message.type or body.get("type")
            if kind == "chunk":
                self._on_chunk(key, body, bool(message.redelivered))
                return
            result = Result.from_json(body)
            if key in self._pending:
                self._seen(key)
                self._finish(key, result=result)
            elif not self._seen(key) and self.on_unclaimed is not None:
                outcome = self.on_unclaimed(result)
                if inspect.isawaitable(outcome):
                    await outcome

    def _on_chunk(self, key: str, chunk: Dict[str, Any], redelivered: bool) -> None:
        pending = self._pending.get(key)
        if pending is None or pending.events is None:
            return  # nobody streams it: the result carries the full text
        seq = int(chunk.get("seq", 0))
        restart = bool(chunk.get("restart", False))
        if seq < pending.next_seq:
            if seq != 0 or redelivered:
                return  # a duplicate
            restart = True  # the job runs again from the start after a redelivery
        elif seq > pending.next_seq and not restart:
            return  # a lost chunk before it: the result repairs the text
        pending.next_seq = seq + 1
        delta = str(chunk.get("delta") or "")
        pending.text = delta if restart else pending.text + delta
        pending.events.put_nowait(StreamEvent(seq=seq, delta=delta, restart=restart,
                                              reasoning=chunk.get("reasoning"),
                                              text=pending.text))


async def throttled(stream: Stream, every: float = 1.0) -> AsyncIterator[str]:
    """Yields the stream's text so far at most once per `every` seconds, and always the final
    text last (the result's content when it is ok), for chat UIs that may edit a message only so
    often. The stream's result is in `stream.result` afterwards."""
    loop = asyncio.get_running_loop()
    last_at: Optional[float] = None
    last_text: Optional[str] = None
    text = ""
    async for ev in stream:
        text = ev.text
        now = loop.time()
        if last_at is None or now - last_at >= every:
            if text != last_text:
                last_at, last_text = now, text
                yield text
    final = stream.result.content if stream.result is not None and stream.result.ok else text
    final = final or ""
    if final != last_text:
        if last_at is not None:
            delay = every - (loop.time() - last_at)
            if delay > 0:
                await asyncio.sleep(delay)
        yield final


__all__: List[str] = ["Client", "Stream", "throttled", "JOBS_EXCHANGE"]
