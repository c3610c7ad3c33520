"""aijobs.Client against the real worker and the mock upstream (see conftest.py)."""

import asyncio
import json
import uuid
from typing import List

import aio_pika
import pytest

import aijobs
from conftest import unique

HI = [{"role": "user", "content": "hi"}]


async def test_submit_returns_the_result(client, provider):
    r = await client.submit(provider=provider, model="mock-model", messages=HI,
                            params={"temperature": 0.2}, timeout=30, meta={"chat_id": 1})
    assert r.ok, r.error
    assert r.content == "echo: hi"
    assert r.error is None
    assert r.tool_calls == []
    assert r.usage.total_tokens is not None and r.usage.total_tokens > 0
    assert r.route == "direct"
    assert r.meta == {"chat_id": 1}
    assert r.provider == provider and r.model == "mock-model"


async def test_an_error_is_a_value(client, provider):
    r = await client.submit(provider=provider, model="m;mock:status=400", messages=HI, timeout=30)
    assert not r.ok
    assert r.content is None
    assert r.error.code == "bad_request"
    assert r.error.retryable is False
    assert r.error.http_status == 400
    assert "400" in r.error.message


async def test_an_unknown_provider_is_an_error_value(client):
    r = await client.submit(provider="no-such-provider", model="m", messages=HI, timeout=30)
    assert not r.ok
    assert r.error.code == "unknown_provider"


async def test_a_job_the_broker_returns_is_unknown_provider(make_client, cleanup):
    exchange = unique("unbound")
    cleanup.append("x:" + exchange)
    client = await make_client(exchange=exchange)  # a topic exchange without any binding
    r = await client.submit(provider="nobody", model="m", messages=HI, timeout=30)
    assert not r.ok
    assert r.error.code == "unknown_provider"
    assert "returned" in r.error.message


async def test_stream_yields_chunks_in_order_then_the_result(client, provider):
    async with client.stream(provider=provider, model="s;mock:tokens=12;mock:token-interval=10",
                             messages=HI, timeout=30) as s:
        events = [ev async for ev in s]
    assert s.result is not None and s.result.ok, s.result
    assert s.result.content == " ".join(f"t{i}" for i in range(12))
    assert [e.seq for e in events] == list(range(len(events)))
    assert not any(e.restart for e in events)
    assert "".join(e.delta for e in events) == s.result.content
    assert events[-1].text == s.result.content


async def test_stream_honours_a_restart(client, provider):
    # Cut once after 8 tokens; the worker retries and the new attempt restarts the chunks.
    model = (f"cut-{uuid.uuid4()};mock:tokens=30;mock:token-interval=30;mock:fault=stream-cut"
             ";mock:fault-after=8;mock:times=1")
    async with client.stream(provider=provider, model=model, messages=HI, timeout=30) as s:
        events = [ev async for ev in s]
    assert s.result is not None and s.result.ok, s.result
    assert s.result.content == "echo: hi"
    restarts = [e for e in events if e.restart]
    assert len(restarts) == 1
    assert events[0].delta.startswith("t0")
    shown = ""
    for e in events:
        shown = e.delta if e.restart else shown + e.delta
    assert shown == s.result.content == events[-1].text


async def test_throttled_yields_at_most_once_per_interval_and_the_final_text(client, provider):
    async with client.stream(provider=provider, model="s;mock:tokens=20;mock:token-interval=30",
                             messages=HI, timeout=30) as s:
        loop = asyncio.get_running_loop()
        seen = []
        async for text in aijobs.throttled(s, every=0.2):
            seen.append((loop.time(), text))
    final = " ".join(f"t{i}" for i in range(20))
    assert seen[-1][1] == final == s.result.content
    assert 1 <= len(seen) < 20
    gaps = [b[0] - a[0] for a, b in zip(seen, seen[1:])]
    assert all(g >= 0.19 for g in gaps), gaps


async def test_facade_plain(client, provider):
    c = await client.chat.completions.create(provider=provider, model="mock-model", messages=HI,
                                             temperature=0.2, timeout=30)
    assert c.choices[0].message.content == "echo: hi"
    assert c.choices[0].message.role == "assistant"
    assert c.choices[0].finish_reason == "stop"
    assert c.usage.total_tokens > 0


async def test_facade_streamed(client, provider):
    text = ""
    last = None
    async for chunk in await client.chat.completions.create(
            provider=provider, model="s;mock:tokens=6;mock:token-interval=10", messages=HI,
            stream=True, timeout=30):
        text = chunk.choices[0].delta.content if chunk.restart else \
            text + chunk.choices[0].delta.content
        last = chunk
    assert text == "t0 t1 t2 t3 t4 t5"
    assert last.choices[0].finish_reason == "stop"
    assert last.usage is not None


async def test_facade_raises_job_error(client, provider):
    with pytest.raises(aijobs.JobError) as e:
        await client.chat.completions.create(provider="no-such-provider", model="m",
                                             messages=HI, timeout=30)
    assert e.value.code == "unknown_provider"
    with pytest.raises(aijobs.JobError) as e:
        async for _ in await client.chat.completions.create(
                provider=provider, model="m;mock:status=400", messages=HI, stream=True,
                timeout=30):
            pass
    assert e.value.code == "bad_request"


async def test_200_concurrent_submits(client, provider):
    results = await asyncio.gather(*(
        client.submit(provider=provider, model="mock-model",
                      messages=[{"role": "user", "content": f"q{i}"}], timeout=60)
        for i in range(200)))
    assert [r.content for r in results] == [f"echo: q{i}" for i in range(200)]


async def test_a_restarted_bot_gets_its_owed_result_via_on_unclaimed(make_client, provider):
    queue = unique("restart")
    first = await make_client(reply_queue=queue)
    task = asyncio.ensure_future(first.submit(provider=provider, model="slow;mock:latency=1500",
                                              messages=HI, timeout=30, meta={"n": 7}))
    await asyncio.sleep(0.5)  # published and running
    await first.close()
    with pytest.raises(aijobs.ClientClosed):
        await task

    owed: "asyncio.Queue[aijobs.Result]" = asyncio.Queue()
    await make_client(reply_queue=queue, on_unclaimed=owed.put_nowait)
    r = await asyncio.wait_for(owed.get(), 20)
    assert r.ok and r.content == "echo: hi" and r.meta == {"n": 7}


async def test_a_tiny_timeout_against_a_slow_model_is_deadline_exceeded(client, provider):
    r = await client.submit(provider=provider, model="slow;mock:latency=5000", messages=HI,
                            timeout=0.5)
    assert not r.ok
    assert r.error.code == "deadline_exceeded"


async def test_no_result_by_the_deadline_raises_job_timeout(make_client, cleanup, url):
    # Jobs go to an exchange whose queue nobody consumes: no result ever comes.
    exchange, sink = unique("x-sink"), unique("sink")
    cleanup.extend(["x:" + exchange, sink])
    client = await make_client(exchange=exchange, grace=0.2)
    channel = await client._connection.channel()
    q = await channel.declare_queue(sink, arguments={"x-expires": 300_000})
    await q.bind(exchange, "#")
    loop = asyncio.get_running_loop()
    started = loop.time()
    with pytest.raises(aijobs.JobTimeout):
        await client.submit(provider="p", model="m", messages=HI, timeout=0.5)
    assert 0.6 <= loop.time() - started < 3


async def _publish_reply(channel, queue: str, job_id: str, body: dict) -> None:
    await channel.default_exchange.publish(
        aio_pika.Message(json.dumps(body).encode(), correlation_id=job_id, type=body["type"],
                         content_type="application/json"),
        routing_key=queue)


async def test_duplicates_are_delivered_once_and_chunks_in_seq_order(make_client, cleanup):
    exchange, sink = unique("x-sink"), unique("sink")
    cleanup.extend(["x:" + exchange, sink])
    unclaimed: List[aijobs.Result] = []
    client = await make_client(exchange=exchange, on_unclaimed=unclaimed.append)
    channel = await client._connection.channel()
    q = await channel.declare_queue(sink, arguments={"x-expires": 300_000})
    await q.bind(exchange, "#")

    job_id = str(uuid.uuid4())
    ok = {"v": 1, "id": job_id, "type": "result", "status": "ok", "error": None, "route": "direct",
          "completion": {"content": "X!", "finish_reason": "stop", "usage": None}}

    def chunk(seq, delta, restart=False):
        c = {"v": 1, "id": job_id, "type": "chunk", "seq": seq, "delta": delta}
        if restart:
            c["restart"] = True
        return c

    async with client.stream(provider="p", model="m", messages=HI, timeout=30,
                             job_id=job_id) as s:
        for body in [chunk(0, "a"), chunk(1, "b"), chunk(1, "b"), chunk(3, "lost"),
                     chunk(3, "X", restart=True), chunk(4, "!"), ok, ok]:
            await _publish_reply(channel, client.reply_queue, job_id, body)
        events = [ev async for ev in s]
    assert [(e.seq, e.text, e.restart) for e in events] == [
        (0, "a", False), (1, "ab", False), (3, "X", True), (4, "X!", False)]
    assert s.result.content == "X!"
    await _publish_reply(channel, client.reply_queue, job_id, ok)
    await asyncio.sleep(0.5)
    assert unclaimed == []  # the duplicates were dropped, not handed to on_unclaimed


async def test_refused_again_and_again_jobs_go_out_on_a_new_channel(make_client, cleanup):
    # A full queue that refuses publishes (nack): every job fails with PublishError, and after
    # three refusals in a row the client publishes on a new channel, once per interval.
    exchange, full = unique("x-full"), unique("full")
    cleanup.extend(["x:" + exchange, full])
    client = await make_client(exchange=exchange)
    channel = await client._connection.channel()
    q = await channel.declare_queue(
        full, arguments={"x-expires": 300_000, "x-max-length": 0, "x-overflow": "reject-publish"})
    await q.bind(exchange, "#")
    first = client._publish_channel
    for _ in range(2):
        with pytest.raises(aijobs.PublishError, match="refused"):
            await client.submit(provider="p", model="m", messages=HI, timeout=5)
    assert client.channel_renewals == 0
    with pytest.raises(aijobs.PublishError, match="refused"):
        await client.submit(provider="p", model="m", messages=HI, timeout=5)
    for _ in range(100):
        if client.channel_renewals:
            break
        await asyncio.sleep(0.05)
    assert client.channel_renewals == 1
    assert client._publish_channel is not first and first.is_closed
    for _ in range(3):  # the queue really refuses: still refused, no second renewal this soon
        with pytest.raises(aijobs.PublishError, match="refused"):
            await client.submit(provider="p", model="m", messages=HI, timeout=5)
    assert client.channel_renewals == 1
